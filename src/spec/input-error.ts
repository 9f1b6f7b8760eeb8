/**
 * A file or value the user supplied cannot be used: a missing or unreadable file, invalid JSON, a zip over its
 * caps. The message names the input and says what is wrong; the CLI prints it as one line, the UI shows it as is.
 * (Format-specific errors — SafetensorsError, ModelConfigError, PeftFormatError — say the same kind of thing.)
 */
export class InputError extends Error {
  override name = 'InputError';
}
