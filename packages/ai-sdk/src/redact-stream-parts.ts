import { redactJsonText, type Guard, type StreamRedactor } from '@agent-lease/core';
import type { StreamPart } from './model-types.js';

type DeltaType = 'text-delta' | 'reasoning-delta' | 'tool-input-delta';
type EndType = 'text-end' | 'reasoning-end' | 'tool-input-end';

const DELTA_OF: Record<EndType, DeltaType> = {
  'text-end': 'text-delta',
  'reasoning-end': 'reasoning-delta',
  'tool-input-end': 'tool-input-delta',
};

interface Open {
  type: DeltaType;
  id: string;
  redactor: StreamRedactor;
}

/**
 * A TransformStream over V4 stream parts that redacts text, reasoning and tool-input deltas with one core stream
 * redactor per block (type and id), so a secret split across deltas is still caught: a redactor holds back only
 * what could still grow into a secret, and the rest is flushed as one more delta just before the block's end
 * part, before `finish`, and when the stream closes. Complete tool calls are redacted JSON-safely; provider
 * tool results, errors and raw chunks deeply.
 */
export function redactStreamParts(guard: Guard): TransformStream<StreamPart, StreamPart> {
  const open = new Map<string, Open>();

  const flush = (key: string, c: TransformStreamDefaultController<StreamPart>): void => {
    const block = open.get(key);
    if (!block) return;
    open.delete(key);
    const rest = block.redactor.end();
    if (rest !== '') c.enqueue({ type: block.type, id: block.id, delta: rest });
  };
  const flushAll = (c: TransformStreamDefaultController<StreamPart>): void => {
    for (const key of [...open.keys()]) flush(key, c);
  };

  return new TransformStream<StreamPart, StreamPart>({
    transform(part, c) {
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-delta': {
          const key = `${part.type}\u0000${part.id}`;
          let block = open.get(key);
          if (!block) {
            block = { type: part.type, id: part.id, redactor: guard.createStreamRedactor() };
            open.set(key, block);
          }
          const safe = block.redactor.write(part.delta);
          if (safe !== '') c.enqueue({ ...part, delta: safe });
          return;
        }
        case 'text-end':
        case 'reasoning-end':
        case 'tool-input-end':
          flush(`${DELTA_OF[part.type]}\u0000${part.id}`, c);
          c.enqueue(part);
          return;
        case 'tool-call':
          c.enqueue({ ...part, input: redactJsonText(guard, part.input) });
          return;
        case 'tool-result':
          c.enqueue({ ...part, result: guard.redactDeep(part.result) });
          return;
        case 'error':
          c.enqueue({ ...part, error: guard.redactDeep(part.error) });
          return;
        case 'raw':
          c.enqueue({ ...part, rawValue: guard.redactDeep(part.rawValue) });
          return;
        case 'finish':
          flushAll(c);
          c.enqueue(part);
          return;
        default:
          c.enqueue(part);
      }
    },
    flush(c) {
      flushAll(c);
    },
  });
}
