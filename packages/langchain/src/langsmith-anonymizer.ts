import type { Guard } from '@agent-lease/core';
import { createLcRedactor } from './lc-redactor.js';

type KVMap = Record<string, unknown>;

/**
 * A LangSmith `anonymizer` built from the guard: `new Client({ anonymizer: langsmithAnonymizer(guard) })`, then
 * `new LangChainTracer({ client })`. The client runs it on every run's inputs, outputs and error before queueing,
 * so it covers both the REST and the OTel export paths. Values are cloned through JSON first, as the client will
 * serialise them: `toJSON()` and `lc_kwargs` (where a rebuilt message may still hold the original text) are
 * redacted too.
 */
export function langsmithAnonymizer(guard: Guard): (values: KVMap) => KVMap {
  const lc = createLcRedactor(guard);
  return (values) => {
    let json: unknown;
    try {
      json = JSON.parse(JSON.stringify(values)) as unknown;
    } catch {
      // Cycles or BigInt: the client cannot send it as JSON either; redact what we can walk.
      return lc.value(values);
    }
    return guard.redactDeep(json) as KVMap;
  };
}
