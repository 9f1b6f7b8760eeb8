/**
 * The README.md model card inside every download: what the adapter is (base, dataset, hyper-parameters, final
 * losses) and how to load it in each tool, with the same commands as the studio's "Use it with…" panel.
 */
import type { AdapterRecord } from '../spec/records';
import { useWithCommands } from './use-with';

export interface AdapterFacts {
  name: string;
  baseModel: string;
  rank: number;
  alpha: number;
  targets: readonly string[];
  useRslora: boolean;
  dataset: string | null;
  finalLoss: { train: number | null; eval: number | null } | null;
  /** What this download holds, e.g. "GGUF LoRA adapter (F16) for llama.cpp". */
  contents: string;
}

/** The card's facts about a stored adapter (all but what the download holds). */
export function adapterFacts(record: AdapterRecord): Omit<AdapterFacts, 'contents'> {
  return {
    name: record.name,
    baseModel: record.baseModel,
    rank: record.rank,
    alpha: record.alpha,
    targets: record.targets,
    useRslora: record.config.use_rslora === true,
    dataset: record.dataset?.name ?? null,
    finalLoss: record.finalLoss ?? null,
  };
}

const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '—');

export function modelCard(f: AdapterFacts): string {
  const lines = [
    `# ${f.name}`,
    '',
    `A LoRA adapter trained in LoRA Studio. This download: ${f.contents}.`,
    '',
    '| | |',
    '|---|---|',
    `| Base model | \`${f.baseModel}\` |`,
    `| Dataset | ${f.dataset ?? 'not recorded'} |`,
    `| Rank / alpha | ${f.rank} / ${f.alpha}${f.useRslora ? ' (rsLoRA: scale alpha/√r)' : ''} |`,
    `| Target modules | ${f.targets.join(', ')} |`,
    `| Final train / eval loss | ${num(f.finalLoss?.train)} / ${num(f.finalLoss?.eval)} |`,
    '',
    '## Use it with',
  ];
  for (const c of useWithCommands({ name: f.name, baseModel: f.baseModel, rank: f.rank })) {
    lines.push(
      '',
      `### ${c.title}`,
      '',
      `Needs ${c.needs}.`,
      '',
      '```' + (c.language === 'text' ? '' : c.language === 'shell' ? 'sh' : 'python'),
      c.code,
      '```',
    );
  }
  return lines.join('\n') + '\n';
}
