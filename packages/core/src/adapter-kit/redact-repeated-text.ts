/**
 * Redacts `text` that repeats `original`, whose redaction is `redactedOriginal`: an error stack starts with its
 * message, an `exception.stacktrace` repeats `exception.message`. The copies of `original` are replaced by
 * `redactedOriginal` before `redact` runs, so what only the original's own redaction could see (a value cut off at
 * the end of the message: the truncated-tail form is only caught at the end of a text) does not survive in the
 * copy, where more text follows it.
 */
export function redactRepeatedText(
  redact: (text: string) => string,
  text: string,
  original: string,
  redactedOriginal: string,
): string {
  if (original === redactedOriginal || original.length === 0 || !text.includes(original)) return redact(text);
  return redact(text.split(original).join(redactedOriginal));
}
