import type { Guard, StreamRedactor } from '@agent-lease/core';
import { BaseMessage } from '@langchain/core/messages';
import type { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { CallbackManager } from '@langchain/core/callbacks/manager';
import { createLcRedactor, type LcRedactor } from './lc-redactor.js';

type HandlerFn = (...args: unknown[]) => unknown;

/**
 * A view of a callback handler (a tracer, a logger) that only ever receives redacted payloads: prompts, model
 * output, tool input and output, chain state, errors. Streamed tokens go through one stream redactor per run,
 * so a secret split across tokens is still caught; what a stream redactor holds back is delivered as one last
 * token before `handleLLMEnd`/`handleLLMError`.
 * A Proxy rather than a subclass, so it works for any handler object and keeps its name and flags.
 */
export function redactingHandler<H extends object>(
  guard: Guard,
  handler: H,
  lc: LcRedactor = createLcRedactor(guard),
): H {
  /** Per run: the stream redactor, and the last chunk seen (a template for the held-back tail). */
  const streams = new Map<string, { redactor: StreamRedactor; last?: { message?: unknown } }>();
  const redactArgs = (args: unknown[]) => args.map((a) => lc.value(a));
  return new Proxy(handler, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== 'string' || !prop.startsWith('handle') || typeof value !== 'function') return value;
      const fn = value as HandlerFn;
      if (prop === 'handleLLMNewToken') {
        // (token, idx, runId, parentRunId, tags, fields)
        return (
          token: string,
          idx: unknown,
          runId: string,
          parentRunId: unknown,
          tags: unknown,
          fields: unknown,
        ) => {
          let stream = streams.get(runId);
          if (!stream) streams.set(runId, (stream = { redactor: guard.createStreamRedactor() }));
          const source = (fields as { chunk?: { message?: unknown } } | undefined)?.chunk;
          if (source) stream.last = source;
          const safe = stream.redactor.write(token);
          if (safe === '') return undefined;
          const chunk = source ? withText(lc, source, safe) : undefined;
          return fn.call(target, safe, idx, runId, parentRunId, tags, ...(chunk ? [{ chunk }] : []));
        };
      }
      if (prop === 'handleLLMEnd' || prop === 'handleLLMError') {
        return async (...args: unknown[]) => {
          const runId = args[1] as string;
          const stream = streams.get(runId);
          streams.delete(runId);
          const tail = stream?.redactor.end() ?? '';
          const onToken = Reflect.get(target, 'handleLLMNewToken', target) as HandlerFn | undefined;
          if (tail !== '' && typeof onToken === 'function') {
            const chunk = stream?.last ? withText(lc, stream.last, tail) : undefined;
            await onToken.call(
              target,
              tail,
              { prompt: 0, completion: 0 },
              runId,
              args[2],
              args[3],
              ...(chunk ? [{ chunk }] : []),
            );
          }
          return fn.apply(target, redactArgs(args));
        };
      }
      return (...args: unknown[]) => fn.apply(target, redactArgs(args));
    },
  });
}

/** A streamed generation chunk carrying only the text the stream redactor released. */
function withText(lc: LcRedactor, chunk: { message?: unknown; text?: string }, text: string): unknown {
  if (!BaseMessage.isInstance(chunk.message)) return undefined;
  const Ctor = chunk.constructor as new (fields: Record<string, unknown>) => unknown;
  const message =
    typeof chunk.message.content === 'string'
      ? lc.messageWithContent(chunk.message, text)
      : lc.message(chunk.message);
  return new Ctor({ text, message });
}

/** Redacting views of callback handlers, for `agent.invoke(input, { callbacks: redactCallbacks(guard, [tracer]) })`. */
export function redactCallbacks<H extends BaseCallbackHandler>(guard: Guard, handlers: readonly H[]): H[] {
  const lc = createLcRedactor(guard);
  return handlers.map((h) => redactingHandler(guard, h, lc));
}

/** A copy of `manager` whose handlers all see redacted payloads (used to run `asTool()` runnables). */
export function redactingCallbackManager(
  guard: Guard,
  manager: CallbackManager,
  lc: LcRedactor,
): CallbackManager {
  const copy = manager.copy();
  copy.setHandlers(
    copy.handlers.map((h) => redactingHandler(guard, h, lc)),
    true,
  );
  return copy;
}
