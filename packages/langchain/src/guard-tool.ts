import { InvalidConfigError, type Guard, type Lease, type ToolNeedsSpec } from '@agent-lease/core';
import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import type { RunnableToolLike } from '@langchain/core/runnables';
import { StructuredTool, type StructuredToolInterface, type ToolRunnableConfig } from '@langchain/core/tools';
import type { InferInteropZodOutput, InteropZodType } from '@langchain/core/utils/types';
import { createLcRedactor, type LcRedactor } from './lc-redactor.js';
import { redactingCallbackManager } from './redacting-callbacks.js';

/** What a guarded tool body finds in its config (the `runtime` of a `tool()` function) besides LangChain's keys. */
export interface LeaseToolConfig extends ToolRunnableConfig {
  /** The lease of the tool's only credential; undefined for a tool that needs none. */
  lease?: Lease | undefined;
  /** Every lease of this call, by credential name. */
  leases?: ReadonlyMap<string, Lease>;
}

/** A tool `guardTool` accepts: any StructuredTool (tool(), DynamicStructuredTool, subclasses) or `runnable.asTool()`. */
export type GuardableTool = StructuredToolInterface | RunnableToolLike;

/** The validated input a tool body (and a `scopes` function) receives. */
export type ToolInputOf<T> = T extends { schema: infer S }
  ? S extends InteropZodType
    ? InferInteropZodOutput<S>
    : unknown
  : unknown;

/** The literal name(s) of a tool type; never when the name is just `string`. */
type LiteralName<E> = E extends { name: infer N extends string } ? (string extends N ? never : N) : never;
/** The input of the member(s) of a tool type named `N` (`tool()` returns a union of two tool classes). */
type InputNamed<E, N> = E extends { name: N } ? ToolInputOf<E> : never;
/** True when some tool's name is not a literal type (a StructuredTool subclass with `name = '...'`). */
type HasUnnamed<T extends readonly unknown[]> = true extends {
  [K in keyof T]: [LiteralName<T[K]>] extends [never] ? true : false;
}[number]
  ? true
  : false;

/**
 * Needs per tool name. With literal tool names (`tool()` keeps them) each scopes function gets the tool's input
 * type; when a tool's name is only `string`, any name is accepted and scope functions must annotate their input.
 */
export type NeedsByName<T extends readonly GuardableTool[]> =
  HasUnnamed<T> extends true
    ? Readonly<Record<string, ToolNeedsSpec<never>>>
    : { readonly [N in LiteralName<T[number]>]?: ToolNeedsSpec<InputNamed<T[number], N>> };

type InnerRun = (
  arg: unknown,
  runManager: CallbackManagerForToolRun | undefined,
  config: LeaseToolConfig,
) => unknown;

const guarded = new WeakSet();

/** True for a tool returned by `guardTool`; the middleware then leaves span and redaction to the tool. */
export function isGuardedTool(tool: unknown): boolean {
  return typeof tool === 'object' && tool !== null && guarded.has(tool);
}

function isAsyncGenerator(x: unknown): x is AsyncGenerator<unknown, unknown> {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as AsyncGenerator)[Symbol.asyncIterator] === 'function' &&
    typeof (x as AsyncGenerator).next === 'function'
  );
}

/** How to run the wrapped tool's body exactly once, without a second tool run of its own. */
function innerRunner(guard: Guard, tool: GuardableTool, lc: LcRedactor): InnerRun {
  const call = (tool as unknown as { _call?: unknown })._call;
  if (typeof call === 'function') {
    // The body, after our own run parsed the input: `invoke` would parse again and open a second, raw, tool run.
    return (arg, runManager, config) =>
      (call as (...a: unknown[]) => unknown).call(tool, arg, runManager, config);
  }
  // runnable.asTool(): no _call. Its invoke opens chain runs of its own, so their callbacks are redacted too.
  return (arg, runManager, config) => {
    const { toolCall: _toolCall, ...rest } = config;
    const callbacks = runManager ? redactingCallbackManager(guard, runManager.getChild(), lc) : undefined;
    return (tool as RunnableToolLike).invoke(arg, { ...rest, ...(callbacks ? { callbacks } : {}) });
  };
}

/**
 * Runs `next` for each value the body yields, inside the lease, and hands the redacted values to a generator
 * the caller (StructuredTool.call) drains: the lease must outlive the body's last yield.
 */
function bridge(
  start: (onGenerator: () => void, emit: (value: unknown) => Promise<void>) => Promise<unknown>,
): Promise<unknown> {
  return new Promise((resolveFirst, rejectFirst) => {
    const queue: { value: unknown; taken: () => void }[] = [];
    let wake: (() => void) | undefined;
    let finished: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
    let streaming = false;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const emit = (value: unknown) =>
      new Promise<void>((taken) => {
        queue.push({ value, taken });
        notify();
      });
    async function* drain(): AsyncGenerator<unknown, unknown> {
      for (;;) {
        const next = queue.shift();
        if (next) {
          next.taken();
          yield next.value;
          continue;
        }
        if (finished) {
          if (finished.ok) return finished.value;
          throw finished.error;
        }
        await new Promise<void>((r) => (wake = r));
      }
    }
    start(() => {
      streaming = true;
      resolveFirst(drain());
    }, emit).then(
      (value) => {
        finished = { ok: true, value };
        if (streaming) notify();
        else resolveFirst(value);
      },
      (error: unknown) => {
        finished = { ok: false, error };
        if (streaming) notify();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows what the body threw, as is
        else rejectFirst(error);
      },
    );
  });
}

/**
 * Wraps a LangChain tool so each call runs inside `guard.withLease`: the lease reaches the body as
 * `config.lease` / `config.leases` and through `currentLease()`, the output (content and artifact, also what an
 * async-generator body yields and what it writes with `config.writer`) is redacted before `handleToolEnd`, so
 * tracers and every stream mode only see redacted output, and errors come out redacted. One tool run per call.
 * Without `needs`, the tool gets no credential but still a span and redaction.
 */
export function guardTool<T extends GuardableTool>(
  guard: Guard,
  tool: T,
  needs?: ToolNeedsSpec<ToolInputOf<T>>,
): StructuredTool<T['schema']> {
  const name = tool.name;
  if (needs !== undefined) guard.checkNeeds(name, needs);
  const lc = createLcRedactor(guard);
  const run = innerRunner(guard, tool, lc);
  const source = tool as Partial<StructuredTool> & { description?: string; schema: T['schema'] };

  class GuardedTool extends StructuredTool<T['schema']> {
    static override lc_name(): string {
      return 'GuardedTool';
    }
    name = name;
    description = source.description ?? `${name} tool`;
    schema = source.schema;

    constructor() {
      super({
        ...(source.responseFormat !== undefined ? { responseFormat: source.responseFormat } : {}),
        ...(source.metadata !== undefined ? { metadata: source.metadata } : {}),
        ...(source.extras !== undefined ? { extras: source.extras } : {}),
        ...(source.defaultConfig !== undefined ? { defaultConfig: source.defaultConfig } : {}),
        ...(source.verboseParsingErrors !== undefined
          ? { verboseParsingErrors: source.verboseParsingErrors }
          : {}),
        ...(source.tags !== undefined ? { tags: source.tags } : {}),
      });
      this.returnDirect = source.returnDirect ?? false;
    }

    protected override _call(
      arg: unknown,
      runManager?: CallbackManagerForToolRun,
      parentConfig?: ToolRunnableConfig,
    ): Promise<never> {
      const config: ToolRunnableConfig = parentConfig ?? {};
      const runtime = config as ToolRunnableConfig & { toolCallId?: string };
      const writer = (config as { writer?: unknown }).writer;
      return bridge((onGenerator, emit) =>
        guard.withLease(
          {
            tool: name,
            needs: needs as ToolNeedsSpec | undefined,
            input: arg,
            toolCallId: config.toolCall?.id ?? runtime.toolCallId,
            signal: config.signal,
          },
          async (lease, leases) => {
            const inner: LeaseToolConfig = {
              ...config,
              lease,
              leases,
              // The "custom" stream mode shows whatever the body writes: redact it on the way out.
              ...(typeof writer === 'function'
                ? { writer: (chunk: unknown) => (writer as (c: unknown) => void)(lc.value(chunk)) }
                : {}),
            };
            const out = await run(arg, runManager, inner);
            if (!isAsyncGenerator(out)) return lc.value(out);
            onGenerator();
            for (;;) {
              const step = await out.next();
              if (step.done === true) return lc.value(step.value);
              await emit(lc.value(step.value));
            }
          },
        ),
      ) as Promise<never>;
    }
  }

  const wrapped = new GuardedTool();
  guarded.add(wrapped);
  return wrapped;
}

/**
 * `guardTool` for each tool. `needsByName` names each tool that needs a credential; a name that matches no tool
 * is a configuration error (a typo would otherwise leave a tool without its lease).
 */
export function guardTools<const T extends readonly GuardableTool[]>(
  guard: Guard,
  tools: T,
  needsByName: NeedsByName<T> = {},
): { -readonly [K in keyof T]: StructuredTool<T[K]['schema']> } {
  const byName = needsByName as Readonly<Record<string, ToolNeedsSpec<never> | undefined>>;
  const names = new Set(tools.map((t) => t.name));
  const issues = Object.keys(byName)
    .filter((n) => !names.has(n))
    .map((n) => `${n}: no tool has this name`);
  if (issues.length > 0) throw new InvalidConfigError(issues, 'guardTools needsByName');
  return tools.map((t) => guardTool(guard, t, byName[t.name] as ToolNeedsSpec<ToolInputOf<typeof t>>)) as {
    -readonly [K in keyof T]: StructuredTool<T[K]['schema']>;
  };
}
