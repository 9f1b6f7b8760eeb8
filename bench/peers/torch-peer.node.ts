/**
 * The PyTorch training peer as a child process: Debian's /usr/bin/python3 (torch 1.13 over libblas.so.3, which
 * update-alternatives points at OpenBLAS) running `torch_lora_step.py`, one command per stdin line and one JSON
 * answer per stdout line, so the suite can time its steps run by run between ours.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { ModelConfig } from '../../src/model';

export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve('bench/peers/torch_lora_step.py');

export interface TorchInfo {
  torch: string;
  threads: number;
  /** The BLAS shared objects mapped into the peer's process (resolved paths). */
  blas: string;
  loraParams: number;
}

export interface TorchPeerShape {
  config: ModelConfig;
  seq: number;
  batch: number;
  rank: number;
  alpha: number;
  dropout: number;
  /** Threads for torch, OpenMP and OpenBLAS (default 1). */
  threads?: number;
}

export class TorchPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(s: TorchPeerShape) {
    const c = s.config;
    const args: Array<[string, number]> = [
      ['hidden', c.hidden],
      ['layers', c.layers],
      ['heads', c.heads],
      ['kv-heads', c.kvHeads],
      ['intermediate', c.intermediate],
      ['vocab', c.vocab],
      ['seq', s.seq],
      ['batch', s.batch],
      ['rank', s.rank],
      ['alpha', s.alpha],
      ['dropout', s.dropout],
      ['rope-theta', c.ropeTheta],
      ['threads', s.threads ?? 1],
    ];
    this.proc = spawn(TORCH_PYTHON, [SCRIPT, ...args.flatMap(([k, v]) => [`--${k}`, String(v)])]);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  private async ask<T>(cmd: string): Promise<T> {
    this.proc.stdin.write(`${cmd}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`the PyTorch peer exited: ${this.stderr.trim() || 'no message'}`);
    const out = JSON.parse(next.value) as T & { error?: string };
    if (out.error) throw new Error(`PyTorch peer: ${out.error}`);
    return out;
  }

  info(): Promise<TorchInfo> {
    return this.ask<TorchInfo>('info');
  }

  /** One optimizer step; the wall time the peer measured around it (ms), excluding the pipe. */
  async step(): Promise<number> {
    return (await this.ask<{ ms: number }>('step')).ms;
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}
