/**
 * Types shared by the dataset pipeline: inputs, record shapes, the column mapping a user can override, problems,
 * tokenized examples and the options/results of `prepareDataset`. Everything here is plain data (strings, numbers,
 * typed arrays) so it crosses a worker boundary with structured clone or transfer.
 */
import type { ChatMessage } from '../tokenizer/types';

/** Bytes of one input file: whole, as a stream, as an async iterable of chunks, or as a Blob/File. */
export interface DatasetInput {
  /** File name; the extension picks the format (`.jsonl`, `.json`, `.csv`, `.tsv`, `.txt`, `.md`, `.parquet`). */
  name: string;
  bytes?: Uint8Array;
  stream?: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  /** A Blob/File: streamed for text formats, sliced (never read whole) for Parquet. */
  blob?: Blob;
  /** Total size in bytes when known (for progress); taken from `bytes`/`blob` otherwise. */
  size?: number;
}

/** File formats we read. */
export type DatasetFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'text' | 'parquet';

/**
 * Record shapes we recognise. `sharegpt` is chat with `from`/`value` keys and human/gpt role names; `preference` is
 * TRL's preference data: `{prompt?, chosen, rejected}`, each a string or a list of chat messages.
 */
export type RecordShape = 'text' | 'prompt-completion' | 'alpaca' | 'chat' | 'sharegpt' | 'preference';

/** The logical fields a shape reads; a `ColumnMapping` says which column/key holds each. */
export type FieldRole =
  'text' | 'prompt' | 'completion' | 'instruction' | 'input' | 'output' | 'system' | 'messages' | 'chosen' | 'rejected';

/**
 * Which record keys (JSON) or columns (CSV/Parquet) feed which field. Detected automatically; a user override
 * replaces the detected one for every file (e.g. CSV "question"/"answer" → prompt/completion).
 */
export interface ColumnMapping {
  shape: RecordShape;
  /** Key per logical field, e.g. `{ prompt: 'question', completion: 'answer' }`. */
  fields: Partial<Record<FieldRole, string>>;
  /** Chat only: keys inside each message (`role`/`content` for OpenAI, `from`/`value` for ShareGPT). */
  roleKey?: string;
  contentKey?: string;
}

/** One problem with the input, located as precisely as we can. */
export interface DatasetProblem {
  file: string;
  /** 1-based line in a text file (JSONL/JSON/CSV/TXT). */
  line?: number;
  /** 1-based row in a Parquet file (no lines there). */
  row?: number;
  /** The field (key/column) at fault, when one is. */
  field?: string;
  message: string;
}

/** 'fail': any problem rejects the dataset (all problems still reported). 'skip': bad rows are left out, counted. */
export type ProblemPolicy = 'fail' | 'skip';

/** A record read from a file, before validation, with where it came from. */
export interface SourceRecord {
  file: string;
  line?: number;
  row?: number;
  value: unknown;
}

/** A validated record in one of three canonical forms. */
export type NormalizedExample =
  | { kind: 'text'; text: string }
  | { kind: 'prompt'; prompt: string; completion: string; input?: string; system?: string }
  /** `untrained`: indices of assistant messages kept as context without loss (OpenAI `"weight": 0`). */
  | { kind: 'chat'; messages: ChatMessage[]; untrained?: number[] }
  /** Two answers to one prompt, each a prompt or chat example whose trained part is that answer. */
  | { kind: 'preference'; chosen: AnswerExample; rejected: AnswerExample };

/** One side of a preference pair. */
export type AnswerExample = Extract<NormalizedExample, { kind: 'prompt' } | { kind: 'chat' }>;

/**
 * One training example. `lossMask[t] = 1` means the model is trained to predict `ids[t]` from `ids[<t]` (so
 * `lossMask[0]` is always 0: nothing precedes it). Packed rows also carry `segmentIds` (1, 2, … per packed
 * example) and `positionIds` (restarting at 0 in each segment) so attention can stay inside each example.
 */
export interface TokenizedExample {
  ids: Int32Array;
  lossMask: Uint8Array;
  segmentIds?: Int32Array;
  positionIds?: Int32Array;
}

/** How plain (non-chat) text is cut into examples: one per paragraph, or fixed windows of N tokens. */
export type TextMode = { kind: 'paragraph' } | { kind: 'chunk'; tokens: number };

/** What the user can tune in `prepareDataset`. Every field has a documented default. */
export interface PrepareOptions {
  /** Default 'fail'. */
  policy?: ProblemPolicy;
  /** Examples longer than this are truncated or dropped. Default 1024. */
  maxSeqLen?: number;
  /** Default 'truncate'. */
  overLength?: 'truncate' | 'drop';
  /** Fraction in [0, 1) or a count ≥ 1 of examples held out for evaluation. Default 0. */
  evalSplit?: number;
  /** Seed for the split and the shuffle. Default 0. */
  seed?: number;
  /** Shuffle the training examples. Default true. */
  shuffle?: boolean;
  /** Prompt template for prompt/completion and Alpaca data; 'chat' uses the model's chat template. */
  template?: string;
  /** Overrides the detected mapping for every file. */
  mapping?: ColumnMapping;
  /** Overrides the detected mapping per file name (takes precedence over `mapping`). */
  fileMappings?: Record<string, ColumnMapping>;
  /** Extra chat-template inputs, e.g. `{ enable_thinking: false }` for Qwen3. */
  templateVariables?: Record<string, unknown>;
  /** Pack examples into rows of `maxSeqLen` tokens (with segment/position ids). Default false. */
  pack?: boolean;
  /** Train on completions / assistant turns only (prompt tokens masked). Default true. */
  completionOnly?: boolean;
  /** `.txt`/`.md`: paragraphs (default) or fixed windows of N tokens. */
  textMode?: TextMode;
  /** Leave exact duplicates out (they are counted either way). Default false. */
  dedupe?: boolean;
  /** Problems kept in full (all are counted). Default 1000. */
  maxProblems?: number;
  /**
   * Under policy 'fail', keep tokenizing after the first problem so the token statistics cover every valid
   * record (`data check`). Default false: validation goes on (every problem is still reported) but the slow
   * tokenizing stops, since the dataset is rejected anyway.
   */
  statsOnFail?: boolean;
}

/** Progress of a running `prepareDataset`/`scanDataset`, in bytes of input read. */
export interface DatasetProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  /** Known for bytes/blob inputs and streams with `size`; null otherwise. */
  totalBytes: number | null;
  records: number;
}

/** Callbacks and cancellation for long-running dataset work. */
export interface DatasetRunHooks {
  onProgress?: (p: DatasetProgress) => void;
  signal?: AbortSignal;
}

/** Equal-width histogram of example lengths (tokens, before truncation). */
export interface LengthHistogram {
  /** `edges.length === counts.length + 1`; bucket i counts lengths in [edges[i], edges[i+1]). */
  edges: number[];
  counts: number[];
}

/** Token statistics over the examples that survived validation. */
export interface DatasetStats {
  /** Records read (valid or not). */
  records: number;
  /** Examples produced (after text chunking, before dedupe/drops). */
  examples: number;
  totalTokens: number;
  /** Tokens carrying loss. */
  trainableTokens: number;
  meanTokens: number;
  maxTokens: number;
  histogram: LengthHistogram;
  /** Examples longer than `maxSeqLen` (before the over-length policy). */
  overLength: number;
  truncated: number;
  droppedOverLength: number;
  /** Truncation left no token with loss (the prompt alone filled `maxSeqLen`): dropped, counted here. */
  droppedNoLoss: number;
  /** Fewest prompt tokens among the examples dropped with no loss left (0 when none): why they lost their answer. */
  shortestLostPrompt: number;
  /** Examples identical (token for token, after truncation) to an earlier one. */
  duplicates: number;
  droppedDuplicates: number;
  /** Examples in each split (also when policy 'fail' withheld them because of problems). */
  trainExamples: number;
  evalExamples: number;
  /** Rows after packing (0 when not packing). */
  packedRows: number;
  /** False when tokenizing stopped at the first problem (policy 'fail'): token figures cover the records before it. */
  complete: boolean;
}

/** What we found in one file. */
export interface FileSummary {
  file: string;
  /** Null for an extension we do not read. */
  format: DatasetFormat | null;
  mapping: ColumnMapping | null;
  records: number;
  badRecords: number;
}

/** Result of `prepareDataset`. */
export interface PreparedDataset {
  /** False when the policy is 'fail' and there were problems: then `train` and `eval` are empty. */
  ok: boolean;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  /** The first `maxProblems` problems. */
  problems: DatasetProblem[];
  /** All problems, including those not kept in `problems`. */
  problemCount: number;
  /** Records left out because of problems (policy 'skip'). */
  skipped: number;
  stats: DatasetStats;
  /** Shape of the first file (what the UI shows); per-file details in `files`. */
  shape: RecordShape | null;
  files: FileSummary[];
}
