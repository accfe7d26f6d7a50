import { describe, expect, it } from 'vitest';
import { createRedactor } from '../redaction/index.js';
import { redactRepeatedText } from './redact-repeated-text.js';

describe('redactRepeatedText', () => {
  const redactor = createRedactor();
  const value = 'Q3vX9mB2kL7pR4tW8yZ1cF6hJ0nD5aE7uI';
  redactor.register(value, 'svc');
  const redact = (t: string) => redactor.redact(t);
  // A library cut the header at 24 characters; the stack repeats the message and goes on.
  const message = `upstream rejected session ${value.slice(0, 24)}…`;
  const stack = `Error: ${message}\n    at call (/app/client.js:10:5)\n    at main (/app/main.js:3:1)`;

  it('catches a cut-off value in the copy of the message that more text follows', () => {
    const cleanMessage = redact(message);
    expect(cleanMessage.includes(value.slice(0, 12))).toBe(false); // booleans: a failure never prints the value
    // Redacting the stack on its own misses it: the cut-off head is not at the end of the text.
    expect(redact(stack).includes(value.slice(0, 12))).toBe(true);
    const cleanStack = redactRepeatedText(redact, stack, message, cleanMessage);
    expect(cleanStack.includes(value.slice(0, 12))).toBe(false);
    expect(cleanStack.includes('at call (/app/client.js:10:5)')).toBe(true);
    expect(cleanStack.startsWith(`Error: ${cleanMessage}`)).toBe(true);
  });

  it('is plain redaction when the original is unchanged or not repeated', () => {
    expect(redactRepeatedText(redact, 'plain text', 'x', 'x')).toBe('plain text');
    expect(redactRepeatedText(redact, `token ${value}`, 'absent', 'gone') === 'token [REDACTED:svc]').toBe(
      true,
    );
  });
});
