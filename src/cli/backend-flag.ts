/**
 * `--backend wasm|cpu|webgpu [--gpu swiftshader|system]` for the commands that compute (train, generate): wasm and
 * cpu as before; webgpu is Dawn in Node (the `webgpu` package), on SwiftShader unless `--gpu system` asks for the
 * machine's Vulkan driver — the same device set-up as `env --backend webgpu` and `quant --backend webgpu`.
 */
import { initNodeBackend } from '../backend/node';
import { initDawnWebGpu } from '../quant/webgpu-dawn.node.js';
import { CliError, flag } from './command';

export type CliBackend = 'wasm' | 'cpu' | 'webgpu';

/** Makes the asked backend the active one; fails (rather than falls back) when it cannot be had. */
export async function initBackendFlag(flags: Map<string, string[]>): Promise<CliBackend> {
  const asked = flag(flags, 'backend', 'wasm');
  if (asked === 'webgpu') {
    const driver = flag(flags, 'gpu', 'swiftshader');
    if (driver !== 'system' && driver !== 'swiftshader')
      throw new CliError(`--gpu must be system or swiftshader; got '${driver}'`);
    process.env.XDG_RUNTIME_DIR ??= '/tmp'; // Dawn's Vulkan loader warns on every start without it
    await initDawnWebGpu({ driver }).catch((e: Error) => {
      throw new CliError(`--backend webgpu: ${e.message}`);
    });
    return 'webgpu';
  }
  if (asked !== 'wasm' && asked !== 'cpu') throw new CliError(`--backend must be wasm, cpu or webgpu; got '${asked}'`);
  const got = await initNodeBackend(asked);
  if (got !== asked) throw new CliError(`--backend ${asked} is not available here (got ${got})`);
  return got;
}
