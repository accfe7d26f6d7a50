import { redactRepeatedText } from '@agent-lease/core';
import type { Redact } from './redact-source.js';

// OTel semantic conventions (stable): the exception event's / log record's attributes.
const ATTR_EXCEPTION_MESSAGE = 'exception.message';
const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

/**
 * `exception.stacktrace` starts with `exception.message`. The redact to use for such a set of attributes: the same
 * as `redact`, except that the stack trace gets the message's redaction for its copy of the message, so a value
 * only the message's redaction catches (cut off at its end) does not survive in the stack, where frames follow it.
 */
export function exceptionAwareRedact(redact: Redact, attributes: Readonly<Record<string, unknown>>): Redact {
  const message = attributes[ATTR_EXCEPTION_MESSAGE];
  const stack = attributes[ATTR_EXCEPTION_STACKTRACE];
  if (typeof message !== 'string' || typeof stack !== 'string') return redact;
  const cleanMessage = redact(message);
  if (cleanMessage === message) return redact;
  return (text) =>
    text === message
      ? cleanMessage
      : text === stack
        ? redactRepeatedText(redact, text, message, cleanMessage)
        : redact(text);
}
