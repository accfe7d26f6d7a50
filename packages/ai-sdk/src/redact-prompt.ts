import type { Message, Prompt } from './model-types.js';

/** The two ways the prompt walker redacts: text it may audit, and structured values (tool inputs and outputs). */
export interface PromptRedaction {
  text(text: string): string;
  deep<T>(value: T): T;
}

type FileData = Extract<Extract<Message, { role: 'user' }>['content'][number], { type: 'file' }>['data'];

function file<P extends { data: FileData }>(r: PromptRedaction, part: P): P {
  const { data } = part;
  if (data.type === 'text') {
    const text = r.text(data.text);
    return text === data.text ? part : { ...part, data: { ...data, text } };
  }
  // A URL may carry a token in its query; binary data and provider references are left alone.
  if (data.type === 'url') {
    const url = r.deep(data.url);
    return url === data.url ? part : { ...part, data: { ...data, url } };
  }
  return part;
}

function text<P extends { text: string }>(r: PromptRedaction, part: P): P {
  const t = r.text(part.text);
  return t === part.text ? part : { ...part, text: t };
}

/** Maps an array, returning the same array when no element changed (most prompts are clean). */
function mapSame<T>(items: readonly T[], f: (item: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const next = f(item);
    if (next !== item) {
      out ??= items.slice(0, i);
    }
    if (out) out.push(next);
  }
  return out ?? (items as T[]);
}

function message(r: PromptRedaction, m: Message): Message {
  switch (m.role) {
    case 'system': {
      const content = r.text(m.content);
      return content === m.content ? m : { ...m, content };
    }
    case 'user': {
      const content = mapSame(m.content, (p) => (p.type === 'text' ? text(r, p) : file(r, p)));
      return content === m.content ? m : { ...m, content };
    }
    case 'assistant': {
      const content = mapSame(m.content, (p) => {
        switch (p.type) {
          case 'text':
          case 'reasoning':
            return text(r, p);
          case 'file':
            return file(r, p);
          case 'tool-call':
            return { ...p, input: r.deep(p.input) };
          case 'tool-result':
            return { ...p, output: r.deep(p.output) };
          default:
            return p;
        }
      });
      return content === m.content ? m : { ...m, content };
    }
    case 'tool': {
      const content = mapSame(m.content, (p) => {
        if (p.type === 'tool-result') return { ...p, output: r.deep(p.output) };
        if (p.reason === undefined) return p;
        const reason = r.text(p.reason);
        return reason === p.reason ? p : { ...p, reason };
      });
      return content === m.content ? m : { ...m, content };
    }
  }
}

/**
 * Redacted copy of a V4 prompt: system text, user and assistant text, reasoning, text files and URLs,
 * tool-call inputs, tool-result outputs and approval reasons. Ids, tool names and media types stay as they are
 * (a rule must never rewrite a `toolCallId` and break the call/result pairing). Clean parts keep their identity.
 */
export function redactPrompt(r: PromptRedaction, prompt: Prompt): Prompt {
  return mapSame(prompt, (m) => message(r, m));
}
