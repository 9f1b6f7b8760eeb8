/** Types of `exportJob`: a studio run (or the Train form's settings) handed to a GPU cluster as a job zip. */
import type { TrainMethod } from '../handoff/job-spec';
import type { TrainRunSpec } from '../spec/run-spec';

/** Params of `exportJob`: a stored run, or the form's spec; the base's hub id when the studio does not know it. */
export interface ExportJobParams {
  /** A run in the library (its spec and id travel with the job). */
  runId?: string;
  /** The Train form's settings (a job id is made up). Ignored when `runId` is given. */
  spec?: TrainRunSpec;
  /** Hugging Face id of the base, overriding what the loaded model's source says. */
  modelId?: string | null;
  method?: TrainMethod;
}

/** The job: a zip to download, and what the user must know. */
export interface ExportJobResult {
  /** `job-<run id>.zip`. */
  fileName: string;
  /** The zip (transferred). */
  zip: ArrayBuffer;
  runId: string;
  /** The hub id written into the job, or null when the job carries the placeholder. */
  modelId: string | null;
  trainRecords: number;
  evalRecords: number;
  warnings: string[];
}
