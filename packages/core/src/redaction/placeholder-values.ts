/**
 * Values that sit where a secret would but are references or placeholders (`${API_KEY}`, `process.env.X`,
 * `<password>`, `****`): generic rules skip them so code and docs are not shredded.
 */
const REFERENCE =
  /^(?:\$|%|<|\{|\*{3,}|[xX]{6,}|(?:process|os|env|import|config|settings|self|this|params|args|options|props|ctx|context|secrets|vars|values)\.)/;
const DOTTED_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const WORDS =
  /^(?:redacted|changeme|placeholder|example|password|passwd|secret|undefined|null|none|true|false|your[_-]?[a-z_-]*|my[_-]?[a-z_-]*)$/i;

export function isPlaceholderValue(value: string): boolean {
  return REFERENCE.test(value) || DOTTED_PATH.test(value) || ENV_NAME.test(value) || WORDS.test(value);
}
