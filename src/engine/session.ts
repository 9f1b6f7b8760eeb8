/**
 * The engine's loaded state, shared by the model, train, generate and adapter handlers: ONE base model with its
 * tokenizer and facts, and the adapters currently held on the device with the stack that applies them.
 *
 * Ownership: the session owns the model (disposed when another one is loaded or on `unload`) and every adapter
 * in `adapters` (disposed on `dropAdapter`/`unload`). The `stack` only references adapters from `adapters`.
 * The train handler's own trainable adapter is not in `adapters` until it is saved and re-opened.
 */
import type { DecoderModel } from '../model/llama';
import type { ModelFiles } from '../spec/model-files';
import type { LoraAdapter } from '../lora/lora-adapter';
import { AdapterStack } from '../lora/adapter-stack';
import type { TextTokenizer } from '../tokenizer/types';
import { EngineError } from '../spec/errors';
import type { ModelInfo } from '../protocol/model-types';
import type { Liveness } from './liveness';

/** A base model ready to run. */
export interface LoadedModel {
  model: DecoderModel;
  tokenizer: TextTokenizer;
  info: ModelInfo;
  /** The files it came from (kept for tokenizer/data work that needs config or tokenizer files again). */
  files: ModelFiles;
}

/** Raised when a request needs a model and none is loaded; the message tells the user what to do. */
export class NoModelError extends EngineError {
  override name = 'NoModelError';
  constructor() {
    super('No base model is loaded. Open the Model section and load one first.');
  }
}

/** The engine worker's one session (see the file comment for who owns what). */
export class EngineSession {
  private current: LoadedModel | null = null;
  /** Adapters opened from storage (or imported), by adapter id. Owned here. */
  readonly adapters = new Map<string, LoraAdapter>();
  /** Adapters applied to the base during generation, with their weights. */
  readonly stack = new AdapterStack();
  /** Soft stops of the generations running now: `stopGeneration` fires them and each returns what it wrote. */
  readonly generationStops = new Set<AbortController>();
  /** True while a training run holds the model (other model-changing requests wait or refuse). */
  busyTraining = false;
  /**
   * The last mix change asked for (`setActiveAdapters`), settled or not. Changes open adapters from storage, so
   * they take a while: they apply one after another in the order they came, and a request that reads the stack
   * waits for the ones that came before it (else a Generate clicked just after ticking an adapter ran without it).
   */
  private mixChanges: Promise<unknown> = Promise.resolve();

  /** `liveness`: beaten before every decoder layer of the loaded model (see liveness.ts). */
  constructor(private readonly liveness: Liveness | null = null) {}

  get loaded(): LoadedModel | null {
    return this.current;
  }

  /** The loaded model or a {@link NoModelError}. */
  requireModel(): LoadedModel {
    if (!this.current) throw new NoModelError();
    return this.current;
  }

  /** Runs `change` once every earlier mix change has run; resolves or rejects as it does. */
  changeMix<T>(change: () => Promise<T>): Promise<T> {
    const next = this.mixChanges.then(change);
    this.mixChanges = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every mix change asked for so far has been applied (or has failed). */
  mixApplied(): Promise<unknown> {
    return this.mixChanges;
  }

  /** Installs a freshly loaded model, releasing the previous one and every adapter built for it. */
  setModel(next: LoadedModel): void {
    this.unload();
    const liveness = this.liveness;
    if (liveness) next.model.onLayer = () => liveness.beat();
    this.current = next;
  }

  /** Opens (or replaces) an adapter under `id`; the session owns it from now on. */
  putAdapter(id: string, adapter: LoraAdapter): void {
    const old = this.adapters.get(id);
    if (old && old !== adapter) {
      this.stack.remove(id);
      old.dispose();
    }
    this.adapters.set(id, adapter);
  }

  /** Removes an adapter from the stack and frees its tensors. */
  dropAdapter(id: string): void {
    this.stack.remove(id);
    this.adapters.get(id)?.dispose();
    this.adapters.delete(id);
  }

  /** Frees the model and every adapter. */
  unload(): void {
    for (const id of [...this.adapters.keys()]) this.dropAdapter(id);
    this.stack.clear();
    this.current?.model.dispose();
    this.current = null;
  }
}
