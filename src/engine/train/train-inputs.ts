/**
 * What a `train` request starts from, checked before any compute: the run spec (LoRA + trainer settings, sample
 * prompts) and the stored dataset, which must have been tokenized for the loaded base.
 */
import { fromCompact } from '../../data/compact';
import { isPromptFormat, promptFormatOf, type PromptFormat } from '../../data/prompt-format';
import type { TokenizedExample } from '../../data/types';
import { findOutOfVocab, outOfVocabMessage } from '../../data/vocab-check';
import { InvalidRequestError } from '../../spec/errors';
import { parseRunSpec, type TrainRunSpec } from '../../spec/run-spec';
import type { StudioDb } from '../../storage';
import type { DatasetRecord } from '../../spec/records';
import type { CheckpointStore, Checkpoint } from '../../train/checkpoint';
import { loadStoredDataset } from '../data/dataset-store';

/** The run spec cleaned, or an `InvalidRequestError` naming every setting a run cannot start with. */
export function checkSpec(spec: TrainRunSpec | undefined): TrainRunSpec {
  const parsed = parseRunSpec(spec);
  if (!parsed.ok) throw new InvalidRequestError(parsed.message);
  return parsed.spec;
}

/** A stored dataset's splits as the trainer takes them. */
export interface TrainingData {
  name: string;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  /** How the examples' prompts were rendered: sample prompts are rendered the same way. */
  promptFormat: PromptFormat;
}

/** The format a stored dataset's prompts were rendered in; records from before it was kept get it from their shape and options. */
export function storedPromptFormat(record: DatasetRecord, hasChatTemplate: boolean): PromptFormat {
  if (isPromptFormat(record.promptFormat)) return record.promptFormat;
  const options = (record.info.options ?? {}) as { template?: string; templateVariables?: Record<string, unknown> };
  return promptFormatOf(record.shape, options.template, hasChatTemplate, options.templateVariables);
}

/**
 * Reads dataset `id` and checks it was tokenized by the loaded base's tokenizer; with `vocab`, also that every id
 * fits the model's vocabulary (caught here, not as a failed step with advice to resume). `hasChatTemplate`, whether
 * the base has a chat template, tells how records from before the prompt format was stored were rendered.
 */
export async function trainingData(
  db: StudioDb,
  id: string,
  baseModel: string,
  vocab?: number,
  hasChatTemplate = false,
): Promise<TrainingData> {
  const stored = await loadStoredDataset(db, id);
  const { record } = stored;
  if (record.tokenizer && record.tokenizer !== baseModel) {
    throw new InvalidRequestError(
      `Dataset '${record.name}' was tokenized for '${record.tokenizer}', but '${baseModel}' is loaded. Prepare the data again in the Data section.`,
    );
  }
  const train = fromCompact(stored.train);
  if (train.length === 0) throw new InvalidRequestError(`Dataset '${record.name}' has no training examples.`);
  const evalSet = fromCompact(stored.eval);
  const bad = vocab === undefined ? null : (findOutOfVocab(train, vocab) ?? findOutOfVocab(evalSet, vocab));
  if (bad)
    throw new InvalidRequestError(
      outOfVocabMessage(bad, vocab!, `the tokenizer of dataset '${record.name}'`, `the model's config.json`),
    );
  return { name: record.name, train, eval: evalSet, promptFormat: storedPromptFormat(record, hasChatTemplate) };
}

/** A checkpoint store that remembers the checkpoint it last loaded (the resumed run's metric history). */
export class WatchedStore implements CheckpointStore {
  loaded: Checkpoint | null = null;
  constructor(private readonly inner: CheckpointStore) {}
  save(runId: string, cp: Checkpoint): Promise<void> {
    return this.inner.save(runId, cp);
  }
  async loadLatest(runId: string): Promise<Checkpoint | null> {
    this.loaded = await this.inner.loadLatest(runId);
    return this.loaded;
  }
}
