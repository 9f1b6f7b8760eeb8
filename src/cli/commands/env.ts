import { initNodeBackend, type NodeBackendName } from '../../backend/node';
import { tf } from '../../backend/tf';
import { flag, parseFlags, type CliCommand } from '../command';

/** `env [--backend wasm|cpu]`: prints the tfjs backend the CLI got, as JSON. */
export const envCommand: CliCommand = {
  summary: 'print the tensor backend the CLI runs on',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const asked = (flag(flags, 'backend', 'wasm') as NodeBackendName);
    const got = await initNodeBackend(asked);
    const info = { backend: got, asked, tfjs: tf.version.tfjs, node: process.version, threads: 1 };
    process.stdout.write(JSON.stringify(info) + '\n');
    return 0;
  },
};
