import { InvalidConfigError, InvalidSecretError } from '../errors.js';
import { MIN_SECRET_LENGTH } from './known-forms.js';
import { Registration } from './known-matcher.js';
import { redactDeep } from './redact-deep.js';
import { RedactionCore } from './redaction-core.js';
import { RuleEngine } from './rule-engine.js';
import { createStreamRedactor, type MeteredStreamRedactor } from './stream-redactor.js';
import type { Redactor, RedactorOptions } from './types.js';

/** Clean-result cache bounds: strings up to this length, this many entries (~1 MB of retained strings at most). */
const CACHE_MAX_LENGTH = 256;
const CACHE_ENTRIES = 4096;

/** A redactor whose stream redactors report their hold-back. */
export interface MeteredRedactor extends Redactor {
  createStreamRedactor(): MeteredStreamRedactor;
}

/**
 * Creates a redactor: registered values in every encoding (see known-forms.ts) plus the built-in and user rules.
 * Values shorter than 8 characters are refused with `InvalidSecretError`: they would match ordinary text and
 * make every scan slower, so a credential that short must not be handed out.
 */
export function createRedactor(options: RedactorOptions = {}): MeteredRedactor {
  const issues: string[] = [];
  const { placeholder = 'label', fingerprintKey, rules } = options;
  // Options may come from untyped config files, so check what the types already promise.
  if (!['label', 'fingerprint'].includes(placeholder))
    issues.push(`placeholder must be 'label' or 'fingerprint'`);
  if (fingerprintKey !== undefined && (!(fingerprintKey instanceof Uint8Array) || fingerprintKey.length < 16))
    issues.push('fingerprintKey must be a Uint8Array of at least 16 bytes');
  if (issues.length > 0) throw new InvalidConfigError(issues, 'redactor options');
  const engine = rules === false ? undefined : new RuleEngine(rules ?? {});
  const core = new RedactionCore(engine, placeholder === 'fingerprint', fingerprintKey);
  const fingerprint = (value: string): string => core.fingerprint(value);
  // Span names, attribute keys and many values repeat on every span (@agent-lease/otel redacts ~40 short strings
  // per span): remember recent short strings that came back clean. Only clean strings are kept, so the cache
  // never holds a detected secret; registering a value clears it (a clean string may now contain the value),
  // unregistering cannot make a clean string dirty. Bounded: cleared when full.
  const clean = new Set<string>();
  const redact = (text: string): string => {
    if (text.length <= CACHE_MAX_LENGTH && clean.has(text)) return text;
    const out = core.redact(text);
    if (out === text && text.length <= CACHE_MAX_LENGTH) {
      if (clean.size >= CACHE_ENTRIES) clean.clear();
      clean.add(text);
    }
    return out;
  };

  return {
    register(value: string, label: string): () => void {
      if (typeof value !== 'string') throw new InvalidSecretError('a secret value must be a string');
      if (value.length < MIN_SECRET_LENGTH)
        throw new InvalidSecretError(
          `secret for ${typeof label === 'string' ? label : 'a credential'} has ${value.length} characters; at least ${MIN_SECRET_LENGTH} are needed to redact it safely`,
        );
      if (typeof label !== 'string' || label === '')
        throw new InvalidSecretError('a secret needs a non-empty label (the credential name)');
      const reg = new Registration(label, value, fingerprint);
      core.known.register(value, reg);
      if (clean.size > 0) clean.clear(); // clear() allocates a new table even when empty
      // Unregistering twice is a no-op: the matcher forgets the registration the first time.
      return () => {
        core.known.unregister(reg);
      };
    },
    redact(text: string): string {
      if (typeof text !== 'string') throw new TypeError('redact expects a string');
      return redact(text);
    },
    redactDeep<T>(value: T): T {
      return redactDeep(value, redact);
    },
    createStreamRedactor(): MeteredStreamRedactor {
      return createStreamRedactor(core);
    },
    scan(text: string) {
      return core.scan(text);
    },
    get size(): number {
      return core.known.values;
    },
  };
}
