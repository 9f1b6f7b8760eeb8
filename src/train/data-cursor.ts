/**
 * Walks the training examples epoch by epoch in a seeded shuffled order. Its position (epoch, index, current
 * order) and the shuffling stream are plain data, so a checkpoint restores exactly the batches a run would
 * have seen next.
 */
import { Rng } from '../util/rng';

export interface DataPosition {
  epoch: number;
  /** Next index into `order`. */
  cursor: number;
  /** This epoch's permutation of example indices. */
  order: number[];
  /** Shuffle stream state for the next epoch. */
  rng: number[];
}

export class DataCursor {
  private epoch = 0;
  private cursor = 0;
  private order: number[];
  private readonly rng: Rng;

  constructor(
    private readonly count: number,
    seed: number,
  ) {
    if (count <= 0) throw new Error('no training examples');
    this.rng = new Rng(seed);
    this.order = this.shuffled();
  }

  private shuffled(): number[] {
    return this.rng.shuffle(Array.from({ length: this.count }, (_, i) => i));
  }

  /** The next `n` example indices, reshuffling at each epoch boundary. */
  take(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.cursor >= this.order.length) {
        this.epoch += 1;
        this.cursor = 0;
        this.order = this.shuffled();
      }
      out.push(this.order[this.cursor++]);
    }
    return out;
  }

  /** Fractional epochs consumed so far. */
  get epochProgress(): number {
    return this.epoch + this.cursor / this.count;
  }

  getPosition(): DataPosition {
    return { epoch: this.epoch, cursor: this.cursor, order: [...this.order], rng: this.rng.getState() };
  }

  setPosition(p: DataPosition): void {
    if (p.order.length !== this.count) {
      throw new Error(`checkpoint was taken on ${p.order.length} training examples, this dataset has ${this.count}`);
    }
    this.epoch = p.epoch;
    this.cursor = p.cursor;
    this.order = [...p.order];
    this.rng.setState(p.rng);
  }
}
