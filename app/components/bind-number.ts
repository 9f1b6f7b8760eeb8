/** Binds a NumberField to one number of a state object and its patch setter. */

/** The keys of `T` whose values are plain numbers. */
export type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/**
 * `value` and `onChange` of a NumberField for `state[key]`, written back through `patch({ [key]: v })`, so a field
 * states only its label and range: `<NumberField id="eval-seed" label="Seed" {...bindNumber(e, 'seed', patch)} />`.
 */
export function bindNumber<K extends string>(
  state: Record<K, number>,
  key: K,
  patch: (p: Partial<Record<K, number>>) => void,
): { value: number; onChange: (v: number) => void } {
  return {
    value: state[key],
    onChange: (v) => {
      const p: Partial<Record<K, number>> = {};
      p[key] = v;
      patch(p);
    },
  };
}
