import { AgentLeaseError } from './errors.js';

const MAX_MESSAGE = 300;

/**
 * A short message a model can act on: our own errors keep their message (written to be safe); anything else
 * becomes `<name>: <first line of message>`, redacted and truncated. Never a stack.
 */
export function describeError(error: unknown, redact: (text: string) => string): string {
  if (AgentLeaseError.isInstance(error)) return redact(error.message);
  let text: string;
  if (error instanceof Error) {
    const firstLine = (error.message.split('\n')[0] ?? '').trim();
    text = firstLine === '' ? error.name : `${error.name}: ${firstLine}`;
  } else if (typeof error === 'string') text = error.split('\n')[0] ?? '';
  else text = 'tool failed';
  const safe = redact(text);
  return safe.length > MAX_MESSAGE ? `${safe.slice(0, MAX_MESSAGE)}…` : safe;
}
