/**
 * A whole hand-off job: the records each axolotl type reads, the studio's split, YAML that reads back as the
 * config, Python that compiles and converts the records to TRL's formats, a launch script that refuses the
 * placeholder and otherwise calls accelerate as documented, and a zip that holds it all.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { splitTrainEval } from '../data/split';
import type { NormalizedExample } from '../data/types';
import { axolotlConfig } from './axolotl-config';
import { buildHandoffJob, HandoffError, zipJob, type HandoffJob } from './handoff-job';
import type { PreferenceExample } from './preference-records';
import { testSpec } from './test-specs';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeJob(job: HandoffJob): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'handoff-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(job.files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const chat: NormalizedExample[] = Array.from({ length: 10 }, (_, i) => ({
  kind: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: `q${i}` },
    { role: 'assistant', content: `a${i}` },
    { role: 'user', content: `again ${i}` },
    { role: 'assistant', content: `b${i}` },
  ],
  untrained: i === 3 ? [2] : undefined,
}));
const prompts: NormalizedExample[] = [
  { kind: 'prompt', prompt: 'Name a whale.', completion: 'Moby Dick', input: 'white', system: 'Answer.' },
  { kind: 'prompt', prompt: 'Name a ship.', completion: 'Pequod' },
];
const pairs: PreferenceExample[] = [
  {
    prompt: [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'u1' },
    ],
    chosen: 'good',
    rejected: 'bad',
  },
  { prompt: [{ role: 'user', content: 'u2' }], chosen: 'yes', rejected: 'no' },
];

describe('hand-off job records', () => {
  it("chat: messages as written, the studio's eval split, and train:false on untrained turns", () => {
    const spec = testSpec({
      render: { template: 'chat', completionOnly: true, pack: false, evalSplit: 0.3 },
      train: { ...testSpec().train, seed: 5 },
    });
    const job = buildHandoffJob(spec, { kind: 'sft', examples: chat });
    const want = splitTrainEval(chat, 0.3, 5, false);
    expect([job.trainCount, job.evalCount]).toEqual([7, 3]);
    const train = lines(job.files['data/train.jsonl']);
    const evalRecords = lines(job.files['data/eval.jsonl']);
    const contentOf = (r: Record<string, unknown>) => (r.messages as { content: string }[])[1].content;
    expect(train.map(contentOf)).toEqual(
      want.train.map((e) => (e as { messages: { content: string }[] }).messages[1].content),
    );
    expect(evalRecords.map(contentOf)).toEqual(
      want.eval.map((e) => (e as { messages: { content: string }[] }).messages[1].content),
    );
    const marked = [...train, ...evalRecords].find((r) => contentOf(r) === 'q3')!;
    expect(marked.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'q3' },
      { role: 'assistant', content: 'a3', train: false },
      { role: 'user', content: 'again 3' },
      { role: 'assistant', content: 'b3', train: true },
    ]);
    const yaml = load(job.files['axolotl.yaml'], { schema: YAML11_SCHEMA }) as Record<string, unknown>;
    expect((yaml.datasets as Record<string, unknown>[])[0].message_field_training).toBe('train');
  });

  it('prompt/completion under the chat template: system → user (prompt + input) → assistant', () => {
    const job = buildHandoffJob(testSpec(), { kind: 'sft', examples: prompts });
    expect(job.kind).toBe('chat');
    expect(lines(job.files['data/train.jsonl'])[0]).toEqual({
      messages: [
        { role: 'system', content: 'Answer.' },
        { role: 'user', content: 'Name a whale.\n\nwhite' },
        { role: 'assistant', content: 'Moby Dick' },
      ],
    });
  });

  it('prompt/completion under a prompt template: input_output segments rendered with our template, BOS and EOS text', () => {
    const spec = testSpec({
      render: {
        template: '### Q:\n{prompt}\n\n### Input:\n{input}\n\n### A:\n',
        completionOnly: true,
        pack: false,
        evalSplit: 0,
      },
    });
    const job = buildHandoffJob(spec, { kind: 'sft', examples: prompts });
    expect(job.kind).toBe('segments');
    const [a, b] = lines(job.files['data/train.jsonl']);
    expect(a.segments).toEqual([
      { label: false, text: '<s>### Q:\nName a whale.\n\n### Input:\nwhite\n\n### A:\n' },
      { label: true, text: 'Moby Dick</s>' },
    ]);
    // The paragraph whose placeholder is empty is left out, as the studio renders it.
    expect((b.segments as { text: string }[])[0].text).toBe('<s>### Q:\nName a ship.\n\n### A:\n');
    const noBos = buildHandoffJob(
      testSpec({ ...spec, markers: { bos: '<|endoftext|>', eos: '<|im_end|>', addBos: false } }),
      { kind: 'sft', examples: prompts },
    );
    expect((lines(noBos.files['data/train.jsonl'])[1].segments as { text: string }[])[0].text).toBe(
      '### Q:\nName a ship.\n\n### A:\n',
    );
  });

  it('text → completion records; DPO → chat_template.default; ORPO → chat_template.argilla', () => {
    expect(
      lines(
        buildHandoffJob(testSpec(), { kind: 'sft', examples: [{ kind: 'text', text: 'Call me Ishmael.' }] }).files[
          'data/train.jsonl'
        ],
      ),
    ).toEqual([{ text: 'Call me Ishmael.' }]);
    const dpo = lines(
      buildHandoffJob(testSpec({ method: 'dpo' }), { kind: 'preference', pairs }).files['data/train.jsonl'],
    );
    expect(dpo[0]).toEqual({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'u1' },
      ],
      chosen: { role: 'assistant', content: 'good' },
      rejected: { role: 'assistant', content: 'bad' },
    });
    const orpo = lines(
      buildHandoffJob(testSpec({ method: 'orpo' }), { kind: 'preference', pairs }).files['data/train.jsonl'],
    );
    expect(orpo[0]).toEqual({
      system: 'S',
      chosen: [
        { role: 'user', content: 'u1' },
        { role: 'assistant', content: 'good' },
      ],
      rejected: [
        { role: 'user', content: 'u1' },
        { role: 'assistant', content: 'bad' },
      ],
    });
    expect(orpo[1]).not.toHaveProperty('system');
  });

  it('refuses what cannot be handed over, with the reason', () => {
    const mixed: NormalizedExample[] = [prompts[0], { kind: 'text', text: 'x' }];
    expect(() => buildHandoffJob(testSpec(), { kind: 'sft', examples: mixed })).toThrow(/mix shapes.*chat, text/);
    expect(() => buildHandoffJob(testSpec({ method: 'dpo' }), { kind: 'sft', examples: prompts })).toThrow(
      HandoffError,
    );
    expect(() => buildHandoffJob(testSpec(), { kind: 'preference', pairs })).toThrow(/--method dpo or orpo/);
    expect(() => buildHandoffJob(testSpec(), { kind: 'sft', examples: [] })).toThrow(/no usable records/);
  });
});

describe('hand-off job files', () => {
  const job = buildHandoffJob(
    testSpec({ runId: 'run-xyz', render: { template: 'chat', completionOnly: true, pack: false, evalSplit: 2 } }),
    { kind: 'sft', examples: chat },
  );

  it('axolotl.yaml reads back (YAML 1.1, as PyYAML reads it) as exactly the config, floats included', () => {
    const yaml = load(job.files['axolotl.yaml'], { schema: YAML11_SCHEMA });
    expect(yaml).toEqual(axolotlConfig(testSpec({ runId: 'run-xyz' }), 'chat', true, true).config);
    expect(job.files['axolotl.yaml']).toMatch(/^adam_epsilon: 1\.e-8$/m);
  });

  it('train_trl.py compiles, and its converter turns every record kind into the TRL format', () => {
    const dir = writeJob(job);
    execFileSync('python3', ['-m', 'py_compile', path.join(dir, 'train_trl.py')]);
    const convert = (kind: string, record: object, completionOnly = true) =>
      JSON.parse(
        execFileSync(
          'python3',
          [
            '-c',
            `import json,sys; sys.argv=['x']; ns={'__name__':'job','__file__':'train_trl.py'}; exec(open('train_trl.py').read(), ns); ns['S']['data_kind']=sys.stdin.readline().strip(); ns['S']['completion_only_loss']=${completionOnly ? 'True' : 'False'}; print(json.dumps(ns['to_trl'](json.loads(sys.stdin.readline()))))`,
          ],
          {
            cwd: dir,
            input: `${kind}\n${JSON.stringify(record)}\n`,
          },
        ).toString(),
      );
    const rec = lines(job.files['data/train.jsonl'])[0] as { messages: object[] };
    expect(convert('chat', rec)).toEqual({ prompt: rec.messages.slice(0, 4), completion: rec.messages.slice(4) });
    expect(convert('chat', rec, false)).toEqual({ messages: rec.messages });
    expect(
      convert('segments', {
        segments: [
          { label: false, text: '<s>Q ' },
          { label: true, text: 'A</s>' },
        ],
      }),
    ).toEqual({ prompt: '<s>Q ', completion: 'A' });
    expect(convert('text', { text: 't' })).toEqual({ text: 't' });
    expect(
      convert('dpo', {
        messages: [{ role: 'user', content: 'u' }],
        chosen: { role: 'assistant', content: 'c' },
        rejected: { role: 'assistant', content: 'r' },
      }),
    ).toEqual({
      prompt: [{ role: 'user', content: 'u' }],
      chosen: [{ role: 'assistant', content: 'c' }],
      rejected: [{ role: 'assistant', content: 'r' }],
    });
    const settings = JSON.parse(job.files['job.json']);
    expect(settings).toMatchObject({
      base_model: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      method: 'sft',
      lora: { r: 8, lora_alpha: 16, target_modules: 'all-linear' },
      args: { learning_rate: 2e-4, max_length: 512 },
    });
  });

  it('launch.sh runs accelerate with N processes on axolotl.yaml, then puts the run marker beside the adapter', () => {
    const dir = writeJob(job);
    const bin = path.join(dir, 'fake-bin');
    mkdirSync(bin);
    // A stand-in for accelerate: records its arguments and makes the output folder axolotl would.
    const out = 'outputs/run-xyz';
    const fake = [
      `echo "$@" > "${dir}/accelerate-args"`,
      `mkdir -p ${out}/checkpoint-5 ${out}/checkpoint-10`,
      `echo '{"r":1}' > ${out}/adapter_config.json`,
      `echo w > ${out}/adapter_model.safetensors`,
      `echo '{"log_history":[{"step":5}]}' > ${out}/checkpoint-5/trainer_state.json`,
      `echo '{"log_history":[{"step":10}]}' > ${out}/checkpoint-10/trainer_state.json`,
    ];
    writeFileSync(path.join(bin, 'accelerate'), `#!/bin/sh\n${fake.join('\n')}\n`);
    chmodSync(path.join(bin, 'accelerate'), 0o755);
    const r = spawnSync('bash', ['launch.sh', '3'], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(readFileSync(path.join(dir, 'accelerate-args'), 'utf8').trim()).toBe(
      'launch --num_processes 3 -m axolotl.cli.train axolotl.yaml',
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'outputs/run-xyz/lora-studio-run.json'), 'utf8'))).toMatchObject({
      format: 'lora-studio-run',
      runId: 'run-xyz',
    });
    // The zip to import holds the adapter, the marker and the NEWEST checkpoint's trainer state (10, not 5).
    const zipped = unzipSync(readFileSync(path.join(dir, 'outputs/run-xyz.zip')));
    expect(Object.keys(zipped).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'lora-studio-run.json',
      'trainer_state.json',
    ]);
    expect(strFromU8(zipped['trainer_state.json'])).toContain('"step":10');
  });

  it('without a hub id, launch.sh and train_trl.py refuse to start and say what to fill in', () => {
    const dir = writeJob(buildHandoffJob(testSpec({ modelId: null }), { kind: 'sft', examples: chat }));
    const bin = path.join(dir, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'accelerate'), `#!/bin/sh\ntouch "${dir}/ran"\n`);
    chmodSync(path.join(bin, 'accelerate'), 0o755);
    const r = spawnSync('bash', ['launch.sh', '1'], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/replace REPLACE_WITH_HF_MODEL_ID with the Hugging Face id/);
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
    const py = spawnSync('python3', ['train_trl.py'], { cwd: dir });
    expect(py.status).not.toBe(0);
    expect(py.stderr.toString()).toMatch(/replace REPLACE_WITH_HF_MODEL_ID/);
  });

  it('zip: every file under job-<run id>/, scripts executable, contents identical', () => {
    const zip = zipJob(job, 'run-xyz');
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(
      Object.keys(job.files)
        .map((f) => `job-run-xyz/${f}`)
        .sort(),
    );
    for (const [name, text] of Object.entries(job.files)) expect(strFromU8(files[`job-run-xyz/${name}`])).toBe(text);
    const listing = spawnSync('unzip', ['-Z', '-l', '/dev/stdin'], { input: zip });
    if (listing.status === 0) expect(listing.stdout.toString()).toMatch(/-rwxr-xr-x.*launch\.sh/);
  });
});
