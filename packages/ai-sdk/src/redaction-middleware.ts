import { redactJsonText, type Guard } from '@agent-lease/core';
import type { LanguageModelMiddleware } from 'ai';
import type { Content, GenerateResult } from './model-types.js';
import { redactPrompt, type PromptRedaction } from './redact-prompt.js';
import { redactStreamParts } from './redact-stream-parts.js';

export interface RedactionMiddlewareOptions {
  /**
   * Record a `secret.detected` audit event (rule ids and counts, never the value) when prompt text held a secret.
   * Each distinct text is reported once per middleware, although every step of a tool loop resends it.
   * Default true.
   */
  auditFindings?: boolean;
}

/** A V4 language-model middleware (what `wrapLanguageModel` takes in `ai` 7). */
export type RedactionMiddleware = LanguageModelMiddleware & { readonly specificationVersion: 'v4' };

const MAX_REPORTED = 1024;

function redactContent(guard: Guard, part: Content): Content {
  switch (part.type) {
    case 'text':
    case 'reasoning': {
      const text = guard.redact(part.text);
      return text === part.text ? part : { ...part, text };
    }
    case 'tool-call': {
      const input = redactJsonText(guard, part.input);
      return input === part.input ? part : { ...part, input };
    }
    case 'tool-result':
      return { ...part, result: guard.redactDeep(part.result) };
    default:
      return part;
  }
}

/**
 * Keeps secrets away from the model provider and out of what the model returns to the app:
 * `transformParams` redacts the whole prompt, `wrapGenerate` the generated text, reasoning and tool calls,
 * `wrapStream` the streamed deltas (split secrets included). Telemetry records the prompt *before* middleware
 * runs, so spans need `@agent-lease/otel`'s `RedactingSpanProcessor` as well.
 */
export function redactionMiddleware(
  guard: Guard,
  options: RedactionMiddlewareOptions = {},
): RedactionMiddleware {
  const audit = options.auditFindings ?? true;
  const reported = new Set<string>();
  const prompt: PromptRedaction = {
    text(text) {
      const out = guard.redact(text);
      if (audit && out !== text) {
        // Only on a hit: a fingerprint, then a second scan for the rule ids the audit event lists.
        const key = guard.fingerprint(text);
        if (!reported.has(key)) {
          if (reported.size >= MAX_REPORTED) reported.clear();
          reported.add(key);
          guard.scan(text, { channel: 'prompt' });
        }
      }
      return out;
    },
    deep: (value) => guard.redactDeep(value),
  };

  return {
    specificationVersion: 'v4',
    transformParams({ params }) {
      const redacted = redactPrompt(prompt, params.prompt);
      return Promise.resolve(redacted === params.prompt ? params : { ...params, prompt: redacted });
    },
    async wrapGenerate({ doGenerate }) {
      const result: GenerateResult = await doGenerate();
      const content = result.content.map((part) => redactContent(guard, part));
      const body = result.response?.body;
      return {
        ...result,
        content,
        ...(body === undefined || result.response === undefined
          ? {}
          : { response: { ...result.response, body: guard.redactDeep(body) } }),
      };
    },
    async wrapStream({ doStream }) {
      const result = await doStream();
      return { ...result, stream: result.stream.pipeThrough(redactStreamParts(guard)) };
    },
  };
}
