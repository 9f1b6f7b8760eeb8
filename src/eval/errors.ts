/** Input that cannot be evaluated (no examples, no loss tokens, a dataset of another tokenizer); the message says why. */
export class EvalInputError extends Error {
  override name = 'EvalInputError';
}
