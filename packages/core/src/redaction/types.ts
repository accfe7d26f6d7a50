/**
 * The redactor contract the guard, the adapters and `@agent-lease/otel` rely on.
 * Known values (what leases hold) are matched exactly in every encoding; rules catch secrets nobody leased.
 */

/** A rule for secrets nobody registered (a user pastes a key into the chat). */
export interface SecretRule {
  /** Stable id, shown in findings and placeholders, e.g. `github-pat`. */
  id: string;
  /** What the rule catches, for docs. */
  description?: string;
  /**
   * The pattern. Must be linear on adversarial input (no nested quantifiers). The `g` flag is added by the
   * engine. When the pattern has a group named `secret`, only that group is replaced (the key stays visible).
   */
  pattern: RegExp;
  /** Minimum Shannon entropy (bits per character) of the matched secret; below it the match is ignored. */
  minEntropy?: number;
  /** Extra check on the matched secret (a decode, a checksum); returning false drops the match. */
  validate?: (secret: string) => boolean;
}

export interface RuleOptions {
  /** Use the built-in rule set (default true). */
  builtin?: boolean;
  /** Ids of built-in rules to turn off. */
  disable?: readonly string[];
  /** Extra rules. */
  add?: readonly SecretRule[];
  /** Values or patterns that are never redacted by rules (known values are always redacted). */
  allow?: readonly (string | RegExp)[];
}

export interface RedactorOptions {
  /**
   * `label` (default) replaces with `[REDACTED:<label>]`; `fingerprint` replaces with
   * `[REDACTED:<label>:<hmac>]`, a keyed HMAC-SHA256 prefix so traces can correlate without revealing.
   */
  placeholder?: 'label' | 'fingerprint';
  /** Key for fingerprint placeholders and findings; a random per-redactor key when absent. */
  fingerprintKey?: Uint8Array;
  rules?: RuleOptions | false;
}

/** A rule or known-value hit, without the value. */
export interface SecretFinding {
  /** Rule id, or `known:<label>` for a registered value. */
  rule: string;
  /** UTF-16 offsets into the scanned text. */
  start: number;
  end: number;
  /** Keyed HMAC-SHA256 of the matched text (hex, shortened). */
  fingerprint: string;
}

export interface StreamRedactor {
  /** Returns the text that is safe to emit now; holds back only what could still become a secret. */
  write(chunk: string): string;
  /** Flushes and redacts whatever is held back. */
  end(): string;
}

export interface Redactor {
  /**
   * Registers a value (and all its encoded forms) under a label such as the credential name.
   * Returns a function that unregisters it (idempotent). Throws `InvalidSecretError` for values that cannot be
   * matched safely.
   */
  register(value: string, label: string): () => void;
  /** Leftmost-longest replacement of every registered form and every rule match; identical string when clean. */
  redact(text: string): string;
  /** Redacted copy of any value: objects, arrays, Maps, Sets, Errors, nested JSON strings. Never mutates. */
  redactDeep<T>(value: T): T;
  createStreamRedactor(): StreamRedactor;
  /** Findings without values, for audit `secret.detected` events. */
  scan(text: string): SecretFinding[];
  /** Number of registered values. */
  readonly size: number;
}
