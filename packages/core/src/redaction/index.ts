export { createRedactor, type MeteredRedactor } from './create-redactor.js';
export { builtinRules, type BuiltinRule } from './builtin-rules.js';
export { MIN_SECRET_LENGTH, knownForms, type KnownForm } from './known-forms.js';
export { shannonEntropy } from './entropy.js';
export type { MeteredStreamRedactor } from './stream-redactor.js';
export type {
  Redactor,
  RedactorOptions,
  RuleOptions,
  SecretFinding,
  SecretRule,
  StreamRedactor,
} from './types.js';
