import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import { LoraAdapter } from './lora-adapter';
import type { DecoderModel } from '../model/llama';
import { memoryFiles } from '../formats/memory-files';
import { cpuTinyModel, linearSpecs, randomAdapter, tinyConfig } from '../train/testing/tiny-model';
import { Rng } from '../util/rng';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeft, importPeft, parseLoraKey } from './peft';
import { encodeSafetensors, readSafetensorsHeader } from '../formats/safetensors';
import { unzipFiles, zipFolder } from '../formats/zip';

const config = tinyConfig();
const linears = linearSpecs(config);
let model: DecoderModel;

beforeAll(async () => {
  model = await cpuTinyModel(config, 2);
});
afterAll(() => model.dispose());

/** An adapter with random (non-zero) A and B. */
function trained(lora: Partial<LoraConfig>, seed = 1): Promise<LoraAdapter> {
  return randomAdapter({ ...DEFAULT_LORA_CONFIG, dropout: 0, ...lora }, linears, seed);
}

function logits(ad: LoraAdapter | null): Float32Array {
  return tf.tidy(
    () => model.forward(tf.tensor2d([[1, 4, 9, 16, 25, 3]], [1, 6], 'int32'), { hook: ad }).dataSync() as Float32Array,
  );
}

const folder = (files: Record<string, Uint8Array>, label = 'adapter') => memoryFiles(files, label);

describe('PEFT export/import', () => {
  it('writes PEFT config fields and key layout', async () => {
    const ad = await trained({ rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'], useRslora: true });
    const files = await exportPeft(ad, { baseModel: 'HuggingFaceTB/SmolLM2-135M' });
    const json = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(json).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      use_rslora: true,
      target_modules: ['q_proj', 'v_proj'],
      bias: 'none',
      fan_in_fan_out: false,
      use_dora: false,
      modules_to_save: null,
      init_lora_weights: true,
      inference_mode: true,
      base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M',
    });
    const header = await readSafetensorsHeader(folder(files), ADAPTER_WEIGHTS_FILE);
    expect(header.tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight')!.shape).toEqual([
      4, 16,
    ]);
    expect(header.tensors.get('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight')!.shape).toEqual([8, 4]);
    expect(header.tensors.size).toBe(8);
    ad.dispose();
  });

  it('round trip export → import → score is bit-identical (F32, rsLoRA, rank/alpha patterns)', async () => {
    const ad = await trained({
      rank: 4,
      alpha: 8,
      useRslora: true,
      rankPattern: { down_proj: 2 },
      alphaPattern: { 'layers\\.1\\.self_attn\\.q_proj': 3 },
    });
    const back = await importPeft(folder(await exportPeft(ad, { baseModel: null })), linears);
    expect(back.adapter.modules.get('model.layers.0.mlp.down_proj')!.rank).toBe(2);
    expect(back.adapter.modules.get('model.layers.1.self_attn.q_proj')!.scale).toBe(
      ad.modules.get('model.layers.1.self_attn.q_proj')!.scale,
    );
    expect(logits(back.adapter)).toEqual(logits(ad));
    expect(logits(ad)).not.toEqual(logits(null));
    back.adapter.dispose();
    ad.dispose();
  });

  it('F16/BF16 exports load back within their precision', async () => {
    const ad = await trained({ rank: 2, alpha: 4 });
    const ref = logits(ad);
    for (const [dtype, tol] of [
      ['F16', 2e-3],
      ['BF16', 6e-2],
    ] as const) {
      const back = await importPeft(folder(await exportPeft(ad, { baseModel: null, dtype })), linears);
      const got = logits(back.adapter);
      expect(Math.max(...got.map((x, i) => Math.abs(x - ref[i])))).toBeLessThan(tol);
      back.adapter.dispose();
    }
    ad.dispose();
  });

  it('llama.cpp-ready export folds the true scale into lora_B with one lora_alpha', async () => {
    const ad = await trained({
      rank: 4,
      alpha: 32,
      useRslora: true,
      rankPattern: { up_proj: 2 },
      alphaPattern: { k_proj: 5 },
    });
    const files = await exportPeft(ad, { baseModel: 'x', llamaCpp: true });
    const json = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(json).toMatchObject({ lora_alpha: 4, use_rslora: false, alpha_pattern: {}, rank_pattern: { up_proj: 2 } });
    const back = await importPeft(folder(files), linears);
    const a = logits(ad);
    const b = logits(back.adapter);
    expect(Math.max(...b.map((x, i) => Math.abs(x - a[i])))).toBeLessThan(1e-5);
    back.adapter.dispose();
    ad.dispose();
  });

  it('accepts PEFT ".default" adapter-name keys and string target_modules', async () => {
    expect(parseLoraKey('base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight')).toEqual({
      path: 'model.layers.0.self_attn.q_proj',
      factor: 'A',
    });
    const ad = await trained({ rank: 2, alpha: 2, targets: ['o_proj'] });
    const w = (await ad.weights()).get('model.layers.0.self_attn.o_proj')!;
    const st = encodeSafetensors([
      {
        name: 'base_model.model.model.layers.0.self_attn.o_proj.lora_A.default.weight',
        dtype: 'F32',
        shape: [2, 16],
        data: w.loraA,
      },
      {
        name: 'base_model.model.model.layers.0.self_attn.o_proj.lora_B.default.weight',
        dtype: 'F32',
        shape: [16, 2],
        data: w.loraB,
      },
    ]);
    const cfg = JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: '.*o_proj' });
    const back = await importPeft(
      folder({ [ADAPTER_CONFIG_FILE]: new TextEncoder().encode(cfg), [ADAPTER_WEIGHTS_FILE]: st }),
      linears,
    );
    expect([...back.adapter.modules.keys()]).toEqual(['model.layers.0.self_attn.o_proj']);
    expect(back.config.targets).toEqual(['o_proj']);
    back.adapter.dispose();
    ad.dispose();
  });

  it('rejects adapters that do not fit the loaded base with a clear message', async () => {
    const bigger = tinyConfig({ hidden: 24, headDim: 6, layers: 3 });
    const other = await trained({ rank: 2 });
    const files = await exportPeft(other, { baseModel: null });
    other.dispose();
    await expect(importPeft(folder(files), linearSpecs(bigger))).rejects.toThrow(/trained for a different model/);
    const deeper = LoraAdapter.create(
      { ...DEFAULT_LORA_CONFIG, rank: 2 },
      linearSpecs(tinyConfig({ layers: 3 })),
      new Rng(1),
    );
    const deepFiles = await exportPeft(deeper, { baseModel: null });
    deeper.dispose();
    await expect(importPeft(folder(deepFiles), linears)).rejects.toThrow(/model\.layers\.2\..*does not have/);
    const dora = {
      [ADAPTER_CONFIG_FILE]: new TextEncoder().encode('{"peft_type":"LORA","r":2,"use_dora":true}'),
      [ADAPTER_WEIGHTS_FILE]: files[ADAPTER_WEIGHTS_FILE],
    };
    await expect(importPeft(folder(dora), linears)).rejects.toThrow(/no lora_magnitude_vector, which a DoRA adapter/);
    await expect(importPeft(folder({ [ADAPTER_CONFIG_FILE]: files[ADAPTER_CONFIG_FILE] }), linears)).rejects.toThrow(
      /adapter_model\.safetensors is missing/,
    );
  });

  it('zips the folder and imports from the zip', async () => {
    const ad = await trained({ rank: 2, alpha: 4 });
    const zip = zipFolder(await exportPeft(ad, { baseModel: null }), 'my-adapter');
    const back = await importPeft(unzipFiles(zip), linears);
    expect(logits(back.adapter)).toEqual(logits(ad));
    back.adapter.dispose();
    ad.dispose();
  });
});
