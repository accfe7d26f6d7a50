import { InvalidConfigError, type Guard, type ToolCall, type ToolNeedsSpec } from '@agent-lease/core';
import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { leasedIterable } from './leased-iterable.js';
import { toModelSafeError } from './tool-error.js';

/** What each tool needs, by tool name; scope functions receive the tool's validated input. */
export type NeedsByName<TOOLS extends ToolSet> = {
  readonly [K in keyof TOOLS]?: ToolNeedsSpec<ToolInputOf<TOOLS[K]>>;
};

/** `InferToolInput`, for a `ToolSet` member (which `exactOptionalPropertyTypes` keeps from satisfying `Tool`). */
export type ToolInputOf<T> = T extends Tool<infer INPUT> ? INPUT : unknown;

type Execute = (input: unknown, options: ToolExecutionOptions<unknown>) => unknown;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value != null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The SDK decides from `execute`'s return value, synchronously, whether a tool streams preliminary results.
 * The wrapper has to answer before the lease exists, so it can only go by the kind of function: an
 * `async function*` streams; anything else returns a promise.
 */
function isAsyncGeneratorFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]';
}

async function lastValue(iterable: AsyncIterable<unknown>): Promise<unknown> {
  let last: unknown;
  for await (const value of iterable) last = value;
  return last;
}

function wrapExecute(
  guard: Guard,
  name: string,
  execute: Execute,
  needs: ToolNeedsSpec | undefined,
): Execute {
  const callOf = (input: unknown, options: ToolExecutionOptions<unknown>): ToolCall => ({
    tool: name,
    needs,
    input,
    toolCallId: options.toolCallId,
    signal: options.abortSignal,
  });

  if (isAsyncGeneratorFunction(execute)) {
    return async function* guardedStream(input, options) {
      yield* leasedIterable(
        guard,
        callOf(input, options),
        () => execute(input, options) as AsyncIterable<unknown>,
      );
    };
  }
  // A plain function that returns an iterable: read it all inside the lease; the model gets the last value.
  const settle = (result: unknown) => (isAsyncIterable(result) ? lastValue(result) : result);
  const modelSafe = (error: unknown): never => {
    throw toModelSafeError(guard, error, name);
  };
  // Plain functions and promise chains rather than two async frames: each promise on this path costs a
  // promise-hook round on Node 20 while AsyncLocalStorage is on, once per tool call.
  return (input, options) => {
    try {
      return guard
        .withLease(callOf(input, options), () => {
          const result = execute(input, options);
          return isPromiseLike(result) ? Promise.resolve(result).then(settle) : settle(result);
        })
        .catch(modelSafe);
    } catch (error) {
      return Promise.reject(toModelSafeError(guard, error, name));
    }
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Wraps every tool that has an `execute` so that each call runs inside `guard.withLease`: it gets a lease for
 * exactly what `needsByName[tool]` asks (or none), an `execute_tool` span, its result and errors redacted before
 * the SDK stores them, and revocation when it ends. Tools without `execute` (provider-executed, client-side)
 * are returned as they are. The result has the same type as `tools`; nothing is mutated.
 */
export function guardTools<TOOLS extends ToolSet>(
  guard: Guard,
  tools: TOOLS,
  needsByName: NeedsByName<TOOLS> = {},
): TOOLS {
  const issues: string[] = [];
  for (const name of Object.keys(needsByName)) {
    const t = Object.hasOwn(tools, name) ? tools[name] : undefined;
    if (t === undefined) issues.push(`${name}: there is no tool with this name`);
    else if (typeof t.execute !== 'function') {
      issues.push(`${name}: the tool has no execute function, so its needs cannot be enforced here`);
    }
  }
  if (issues.length > 0) throw new InvalidConfigError(issues, 'guardTools needs');

  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tools)) {
    const needs = needsByName[name] as ToolNeedsSpec | undefined;
    if (needs !== undefined) guard.checkNeeds(name, needs);
    const execute = t.execute as Execute | undefined;
    out[name] =
      typeof execute === 'function' ? { ...t, execute: wrapExecute(guard, name, execute, needs) } : t;
  }
  return out as TOOLS;
}
