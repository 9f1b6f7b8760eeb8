/**
 * The checks handlers make on request values, each with one wording. The protocol checks a message's envelope
 * (src/protocol/validate.ts); a value a handler uses is checked here, where the handler needs it.
 */
import { InvalidRequestError } from '../../spec/errors';

/** `id` as a non-empty string; otherwise the request is refused naming what the id is of (`'adapter'`). */
export function requireId(id: unknown, of: string): string {
  if (typeof id !== 'string' || !id) {
    throw new InvalidRequestError(`A${/^[aeiou]/.test(of) ? 'n' : ''} ${of} id is required.`);
  }
  return id;
}

/** Refuses `value` unless it is one of `choices`, naming what it is (`'backend'`) and listing the choices. */
export function requireOneOf<T>(value: T, choices: readonly T[], what: string): void {
  if (!choices.includes(value)) {
    throw new InvalidRequestError(`Unknown ${what} '${String(value)}'; use one of ${choices.join(', ')}.`);
  }
}
