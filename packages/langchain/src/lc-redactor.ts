import type { Guard } from '@agent-lease/core';
import { BaseMessage, BaseMessageChunk } from '@langchain/core/messages';

/** What the adapter needs from a guard to redact LangChain values. */
export type RedactingGuard = Pick<Guard, 'redactDeep'>;

/** Redacts LangChain values: messages, Commands, tool outputs, callback payloads. */
export interface LcRedactor {
  /** A redacted copy; messages are rebuilt from explicit fields (see `message`). Never mutates. */
  value<T>(value: T): T;
  /**
   * A redacted copy of a message, of the same class, built from explicit fields only: a spread would copy
   * `lc_kwargs`, which keeps the original text and is what `JSON.stringify` and tracers serialise.
   */
  message<M extends BaseMessage>(message: M): M;
  /** `message` with its content replaced (already safe text, e.g. what a stream redactor released). */
  messageWithContent<M extends BaseMessage>(message: M, content: string): M;
}

type Fields = Record<string, unknown>;
type MessageCtor = new (fields: Fields) => BaseMessage;

/** Binary and immutable built-ins: nothing to redact inside, and copying them would break their consumers. */
function isOpaque(v: object): boolean {
  return v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/** LangGraph's `Command` (a tool may return one); duck-typed so the adapter does not import langgraph. */
function isCommand(v: object): v is { update?: unknown; goto?: unknown; graph?: unknown; resume?: unknown } {
  return (v as { lg_name?: unknown }).lg_name === 'Command';
}

/** A ChatGeneration(Chunk) class instance: text plus the message it came from. */
function isGeneration(v: object): v is { text: unknown; message: BaseMessage; generationInfo?: unknown } {
  const g = v as { text?: unknown; message?: unknown };
  return typeof g.text === 'string' && BaseMessage.isInstance(g.message);
}

export function createLcRedactor(guard: RedactingGuard): LcRedactor {
  const walk = (v: unknown, seen: Map<object, unknown>): unknown => {
    // guard.redactDeep on a string also catches secrets inside JSON that was escaped twice.
    if (typeof v === 'string') return guard.redactDeep(v);
    if (typeof v !== 'object' || v === null) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (BaseMessage.isInstance(v)) {
      const out = rebuild(v, seen);
      seen.set(v, out);
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(walk(x, seen));
      return out;
    }
    if (isOpaque(v)) return v;
    if (v instanceof Error || v instanceof Map || v instanceof Set || v instanceof URL)
      return guard.redactDeep(v);
    if (isCommand(v)) {
      const Ctor = v.constructor as new (args: Fields) => object;
      const out = new Ctor({
        ...(v.update !== undefined ? { update: walk(v.update, seen) } : {}),
        ...(v.resume !== undefined ? { resume: walk(v.resume, seen) } : {}),
        ...(v.graph !== undefined ? { graph: v.graph } : {}),
        ...(Array.isArray(v.goto) && v.goto.length > 0 ? { goto: v.goto } : {}),
      });
      seen.set(v, out);
      return out;
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    if (isGeneration(v)) {
      // ChatGenerationChunk: callback consumers (the "messages" stream mode) need the class and its message.
      const Ctor = v.constructor as new (fields: Fields) => object;
      const out = new Ctor({
        text: walk(v.text, seen),
        message: walk(v.message, seen),
        ...(v.generationInfo !== undefined ? { generationInfo: walk(v.generationInfo, seen) } : {}),
      });
      seen.set(v, out);
      return out;
    }
    if (proto !== Object.prototype && proto !== null) {
      // Fail closed: a class instance we do not know (a Document, an SDK response) could hold anything, and the
      // core's redactDeep returns class instances untouched. Keep its JSON form, which is what LangChain would
      // serialise for the model or a tracer anyway.
      let json: unknown;
      try {
        json = JSON.parse(JSON.stringify(v)) as unknown;
      } catch {
        return '[REDACTED:unserializable]';
      }
      const out = walk(json, seen);
      seen.set(v, out);
      return out;
    }
    const out: Fields = {};
    seen.set(v, out);
    for (const [key, x] of Object.entries(v)) out[guard.redactDeep(key)] = walk(x, seen);
    return out;
  };

  const rebuild = (m: BaseMessage, seen: Map<object, unknown>, content?: string): BaseMessage => {
    const r = <T>(x: T): T => walk(x, seen) as T;
    const fields: Fields = {
      content: content ?? r(m.content),
      additional_kwargs: r(m.additional_kwargs),
      response_metadata: r(m.response_metadata),
    };
    if (m.id !== undefined) fields.id = m.id;
    if (m.name !== undefined) fields.name = r(m.name);
    const any = m as unknown as Fields;
    switch (m.type) {
      case 'ai': {
        const chunks = any.tool_call_chunks as unknown[] | undefined;
        // A chunk derives tool_calls from its tool_call_chunks; passing both would double them.
        if (BaseMessageChunk.isInstance(m) && chunks !== undefined && chunks.length > 0) {
          fields.tool_call_chunks = r(chunks);
        } else {
          fields.tool_calls = r(any.tool_calls ?? []);
          fields.invalid_tool_calls = r(any.invalid_tool_calls ?? []);
        }
        if (any.usage_metadata !== undefined) fields.usage_metadata = any.usage_metadata;
        break;
      }
      case 'tool':
        fields.tool_call_id = any.tool_call_id;
        if (any.status !== undefined) fields.status = any.status;
        if (any.artifact !== undefined) fields.artifact = r(any.artifact);
        if (any.metadata !== undefined) fields.metadata = r(any.metadata);
        break;
      case 'generic':
        fields.role = any.role;
        break;
      case 'remove':
        return m;
      default:
        break;
    }
    return new (m.constructor as MessageCtor)(fields);
  };

  return {
    value: <T>(value: T): T => walk(value, new Map()) as T,
    message: <M extends BaseMessage>(message: M): M => rebuild(message, new Map()) as M,
    messageWithContent: <M extends BaseMessage>(message: M, content: string): M =>
      rebuild(message, new Map(), content) as M,
  };
}
