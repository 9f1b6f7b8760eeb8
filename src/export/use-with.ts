/**
 * Copy-paste commands that load an export in the tools people run (transformers + PEFT, vLLM, llama.cpp, Ollama,
 * LM Studio), filled with the adapter's real file names. The studio's "Use it with…" panel and the model card
 * inside each download show the same text.
 */

export type UseWithTarget = 'transformers' | 'vllm' | 'llama.cpp' | 'ollama' | 'lm-studio';

export interface UseWithInput {
  /** The adapter's display name. */
  name: string;
  /** Base model as transformers/vLLM name it (HF repo id or a local folder); null when unknown. */
  baseModel: string | null;
  /** LoRA rank (vLLM's `--max-lora-rank` must cover it). */
  rank: number;
}

export interface UseWithEntry {
  target: UseWithTarget;
  title: string;
  /** What to download first. */
  needs: string;
  language: 'python' | 'shell' | 'text';
  code: string;
}

/** A file-name-safe stem of an adapter name ("Ship log → JSON" → "ship-log-json"). */
export function fileStem(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'adapter';
}

/** The file names every export of `name` uses, so commands and downloads agree. */
export function exportFileNames(name: string) {
  const stem = fileStem(name);
  return {
    stem,
    peftFolder: stem,
    adapterGguf: `${stem}.gguf`,
    baseGguf: 'base.gguf',
    mergedFolder: `${stem}-merged`,
    mergedGguf: `${stem}-merged.gguf`,
    modelfile: 'Modelfile',
  };
}

/** vLLM accepts only these ranks for `--max-lora-rank`. */
function vllmRank(rank: number): number {
  return [8, 16, 32, 64, 128, 256, 320, 512].find((r) => r >= rank) ?? rank;
}

/**
 * The base as transformers/vLLM/PEFT name it (`base_model_name_or_path`): the studio's ids are `org/name@revision`
 * (hub: the repo id), `local:<name>` (dropped files: the user's own folder) or a built-in model's published name.
 */
export function baseName(baseModel: string | null): { id: string; revision: string | null } {
  if (!baseModel) return { id: '<base model id or folder>', revision: null };
  if (baseModel.startsWith('local:')) return { id: `./${baseModel.slice('local:'.length)}`, revision: null };
  const at = baseModel.lastIndexOf('@');
  if (at <= 0) return { id: baseModel, revision: null };
  const revision = baseModel.slice(at + 1);
  return { id: baseModel.slice(0, at), revision: revision === 'main' ? null : revision };
}

/** The commands for every target. */
export function useWithCommands(input: UseWithInput): UseWithEntry[] {
  const f = exportFileNames(input.name);
  const { id: base, revision } = baseName(input.baseModel);
  const rev = revision ? `, revision=${JSON.stringify(revision)}` : '';
  return [
    {
      target: 'transformers',
      title: 'transformers + PEFT',
      needs: `the PEFT folder ${f.peftFolder}/`,
      language: 'python',
      code: [
        'from transformers import AutoModelForCausalLM, AutoTokenizer',
        'from peft import PeftModel',
        '',
        `tokenizer = AutoTokenizer.from_pretrained(${JSON.stringify(base)}${rev})`,
        `model = AutoModelForCausalLM.from_pretrained(${JSON.stringify(base)}${rev})`,
        `model = PeftModel.from_pretrained(model, "./${f.peftFolder}")`,
        '# or load the merged folder directly:',
        `# model = AutoModelForCausalLM.from_pretrained("./${f.mergedFolder}")`,
      ].join('\n'),
    },
    {
      target: 'vllm',
      title: 'vLLM',
      needs: `the PEFT folder ${f.peftFolder}/`,
      language: 'shell',
      code: `vllm serve ${base}${revision ? ` --revision ${revision}` : ''} --enable-lora --lora-modules ${f.stem}=./${f.peftFolder} --max-lora-rank ${vllmRank(input.rank)}\n# then request "model": "${f.stem}"`,
    },
    {
      target: 'llama.cpp',
      title: 'llama.cpp',
      needs: `${f.baseGguf} and ${f.adapterGguf} (or ${f.mergedGguf})`,
      language: 'shell',
      code: [
        `llama-cli -m ${f.baseGguf} --lora ${f.adapterGguf} -p "Hello"`,
        `llama-server -m ${f.baseGguf} --lora ${f.adapterGguf}`,
        `# merged: llama-cli -m ${f.mergedGguf} -p "Hello"`,
      ].join('\n'),
    },
    {
      target: 'ollama',
      title: 'Ollama',
      needs: `${f.baseGguf}, ${f.adapterGguf} and the ${f.modelfile} beside them`,
      language: 'shell',
      code: `ollama create ${f.stem} -f ${f.modelfile}\nollama run ${f.stem}`,
    },
    {
      target: 'lm-studio',
      title: 'LM Studio',
      needs: `the merged model ${f.mergedGguf} (LM Studio loads whole models, not adapters)`,
      language: 'shell',
      code: `lms import ${f.mergedGguf}\nlms load ${f.stem}-merged`,
    },
  ];
}
