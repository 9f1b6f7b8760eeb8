import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../scripts/hub-server';
import { hubCommand } from '../cli/commands/hub';
import { runCommand } from '../test-utils/run-cli';

const FIXTURE = path.resolve(__dirname, '../../fixtures/models/llama-tied');
let server: HubServer;
let cache: string;

beforeAll(async () => {
  server = await startHubServer({ repos: { 'test/tiny': { dir: FIXTURE } } });
  cache = mkdtempSync(path.join(os.tmpdir(), 'hub-cli-'));
});

afterAll(async () => {
  await server.close();
  rmSync(cache, { recursive: true, force: true });
});

const run = (args: string[]) => runCommand(hubCommand, args);

describe('cli hub', () => {
  it('downloads into a folder cache, lists, serves a --model folder, and removes', async () => {
    const dl = await run(['download', 'test/tiny', '--hub-url', server.url, '--cache', cache]);
    expect(dl.code).toBe(0);
    const res = JSON.parse(dl.out);
    expect(res).toMatchObject({ repo: 'test/tiny', revision: 'main', fromCache: false });
    expect(readFileSync(path.join(res.dir, 'config.json'), 'utf8')).toBe(
      readFileSync(path.join(FIXTURE, 'config.json'), 'utf8'),
    );
    const again = JSON.parse((await run(['download', 'test/tiny', '--hub-url', server.url, '--cache', cache])).out);
    expect(again.fromCache).toBe(true);
    const list = (await run(['list', '--cache', cache])).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ repo: 'test/tiny', complete: true });
    expect((await run(['rm', 'test/tiny', '--cache', cache])).code).toBe(0);
    expect((await run(['list', '--cache', cache])).out).toBe('');
  });

  it('turns hub errors into one-line CLI errors', async () => {
    await expect(run(['download', 'test/missing', '--hub-url', server.url, '--cache', cache])).rejects.toThrow(
      /repository not found/,
    );
  });
});

describe('cli hub: names that could leave their folder are refused before anything is touched', () => {
  const bad: [string, string[]][] = [
    ['revision ..', ['rm', 'a/b', '--revision', '..']],
    ['revision .', ['rm', 'a/b', '--revision', '.']],
    ['revision with /', ['rm', 'a/b', '--revision', '../../x']],
    ['revision with \\', ['rm', 'a/b', '--revision', '..\\x']],
    ['repo part .', ['rm', 'a/.']],
    ['repo part . (owner)', ['rm', './b']],
    ['repo part ..', ['rm', 'a/..']],
    ['download revision ..', ['download', 'a/b', '--revision', '..']],
    ['url tree revision ..', ['rm', 'https://huggingface.co/a/b/tree/..']],
  ];
  it.each(bad)('%s', async (_, args) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hub-rm-'));
    const keep = path.join(root, 'models', 'other--model', 'main');
    mkdirSync(keep, { recursive: true });
    writeFileSync(path.join(keep, 'config.json'), '{}');
    try {
      await expect(run([...args, '--cache', root, '--hub-url', server.url])).rejects.toThrow(
        /not allowed|not a model id/,
      );
      expect(readFileSync(path.join(keep, 'config.json'), 'utf8')).toBe('{}');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
