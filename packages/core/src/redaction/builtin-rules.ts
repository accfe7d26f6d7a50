import { isPlaceholderValue } from './placeholder-values.js';
import type { SecretRule } from './types.js';

/** A built-in rule: `generic` rules match from a key name and are gated by entropy (see rule-engine.ts). */
export interface BuiltinRule extends SecretRule {
  readonly description: string;
  readonly generic?: boolean;
}

/** Case-insensitive spelling of a keyword without the `i` flag (all built-ins share one combined regex). */
function ci(word: string): string {
  return word.replace(/[a-z]/gi, (c) => `[${c.toUpperCase()}${c.toLowerCase()}]`);
}

// rule-rejects.ts mirrors the patterns of generic-api-key, generic-password, url-credentials,
// authorization-bearer and the key names of aws-secret-access-key (early rejects before the regex try): change them
// together (rule-rejects.test.ts checks each reject against the live pattern).
// Shared pieces. Every quantifier is bounded and each is followed by a character its class excludes, so a failed
// attempt costs at most the bound; rules that start with a character class begin with a lookbehind so a long run
// is tried once, not at every position.
const SEP = `["']?\\s{0,4}(?:=>|:=|[:=])\\s{0,4}["'\`]?`;
const NOT_PLACEHOLDER = (secret: string): boolean => !isPlaceholderValue(secret);

function basicAuthBuffer(s: string): boolean {
  const raw = Buffer.from(s, 'base64').toString('latin1');
  return raw.length >= 3 && raw.includes(':') && /^[\x20-\x7e]+$/.test(raw);
}

/** Base64 digit values of ASCII characters, -1 for the rest. */
const B64 = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(k)] = k;

/**
 * Whether the base64 value decodes to printable ASCII (at least 3 characters) holding a ':'. `user:` sits at the
 * start, so 88 characters (66 bytes) are enough. Decoded here byte by byte, stopping at the first unprintable one
 * (ordinary words after `Basic` fail within two bytes), instead of through a Buffer and a string (~200 ns a hit);
 * the same answer as `basicAuthBuffer`, which still decides anything but plain digits and trailing '=' (tested
 * against it in rule-rejects.test.ts).
 */
export function basicAuthValue(secret: string): boolean {
  const s = secret.length > 88 ? secret.slice(0, 88) : secret;
  const n = s.length;
  let bytes = 0;
  let colon = false;
  let acc = 0;
  let bits = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (B64[c] as number) : -1;
    if (v === -1) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      if (b < 0x20 || b > 0x7e) return false;
      if (b === 58) colon = true;
      bytes++;
    }
  }
  for (let j = i; j < n; j++) if (s.charCodeAt(j) !== 61) return basicAuthBuffer(s);
  return bytes >= 3 && colon;
}

function rule(
  id: string,
  description: string,
  source: string,
  extra: Partial<Omit<BuiltinRule, 'id' | 'description' | 'pattern'>> = {},
): BuiltinRule {
  return { id, description, pattern: new RegExp(source), ...extra };
}

/**
 * The built-in rule set, written from the public token formats. Order matters only for ties at one position:
 * specific rules come before the generic key/value rules.
 */
export const builtinRules: readonly BuiltinRule[] = Object.freeze([
  rule(
    'aws-access-key-id',
    'AWS access key id (AKIA/ASIA/ABIA/ACCA)',
    '(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])',
  ),
  rule(
    'aws-secret-access-key',
    'AWS secret access key or session token after its key name',
    `(?:(?:${ci('aws')}[_\\-.]?)?${ci('secret')}[_\\-.]?${ci('access')}[_\\-.]?${ci('key')}|${ci('aws')}[_\\-.]?${ci('secret')}[_\\-.]?${ci('key')}|${ci('aws')}[_\\-.]?${ci('session')}[_\\-.]?${ci('token')})${SEP}(?<secret>[A-Za-z0-9/+=]{40,1024})`,
  ),
  rule('github-pat', 'GitHub personal access token (classic)', 'ghp_[A-Za-z0-9]{36}'),
  rule('github-oauth', 'GitHub OAuth access token', 'gho_[A-Za-z0-9]{36}'),
  rule('github-app-token', 'GitHub App user-to-server / installation token', 'gh[us]_[A-Za-z0-9]{36}'),
  rule('github-refresh-token', 'GitHub refresh token', '(?<![A-Za-z0-9_])ghr_[A-Za-z0-9]{36,76}'),
  rule(
    'github-fine-grained-pat',
    'GitHub fine-grained personal access token',
    '(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,255}',
  ),
  rule(
    'gitlab-token',
    'GitLab personal, deploy, runner, trigger, feed and OAuth tokens',
    'gl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|soat|agent)-[A-Za-z0-9_\\-]{20,64}',
  ),
  rule(
    'slack-token',
    'Slack bot, user, app and config tokens',
    '(?:xox[abposre]|xapp-[0-9])-[A-Za-z0-9\\-]{10,250}',
  ),
  rule(
    'slack-webhook',
    'Slack incoming webhook / workflow URL path',
    'hooks\\.slack\\.com/(?:services|workflows|triggers)/(?<secret>[A-Za-z0-9_/+\\-]{20,160})',
  ),
  rule('stripe-key', 'Stripe secret and restricted keys', '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}'),
  rule('stripe-webhook-secret', 'Stripe webhook signing secret', 'whsec_[A-Za-z0-9+/=]{24,128}'),
  rule(
    'openai-api-key',
    'OpenAI project, service-account, admin and legacy keys',
    'sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\\-]{40,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})',
  ),
  rule(
    'anthropic-api-key',
    'Anthropic API and admin keys',
    'sk-ant-(?:api|admin|oat|ort)[0-9]{2}-[A-Za-z0-9_\\-]{32,250}',
  ),
  rule('google-api-key', 'Google API key', '(?<![A-Za-z0-9_\\-])AIza[A-Za-z0-9_\\-]{35}'),
  rule(
    'google-oauth-client-secret',
    'Google OAuth client secret',
    '(?<![A-Za-z0-9_\\-])GOCSPX-[A-Za-z0-9_\\-]{28}',
  ),
  rule('google-oauth-access-token', 'Google OAuth access token', 'ya29\\.[A-Za-z0-9_\\-]{30,2048}'),
  rule(
    'gcp-service-account-key',
    'private_key of a GCP service-account JSON file',
    '"private_key"\\s{0,4}:\\s{0,4}"(?<secret>-----BEGIN [A-Z ]{0,24}PRIVATE KEY-----[A-Za-z0-9+/=\\s\\\\]{32,16384}-----END [A-Z ]{0,24}PRIVATE KEY-----(?:\\\\n)?)"',
  ),
  rule(
    'private-key',
    'PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP), also JSON-escaped',
    '-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\\s\\\\:,.]|-(?!----)){16,65536}-----END [A-Z ]{0,24}PRIVATE KEY(?: BLOCK)?-----',
  ),
  rule(
    'azure-storage-account-key',
    'Azure storage AccountKey in a connection string',
    `${ci('AccountKey')}=(?<secret>[A-Za-z0-9+/]{86}==)`,
  ),
  rule(
    'azure-shared-access-key',
    'Azure Service Bus / Event Hubs SharedAccessKey in a connection string',
    `${ci('SharedAccessKey')}=(?<secret>[A-Za-z0-9+/]{42,44}=)`,
  ),
  rule(
    'azure-sas-signature',
    'Azure SAS token signature (sig=)',
    '[?&]sig=(?<secret>[A-Za-z0-9%+/=]{40,120})',
  ),
  rule(
    'azure-ad-client-secret',
    'Microsoft Entra ID (Azure AD) client secret',
    '(?<![A-Za-z0-9_~.\\-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\\-]{31,34}',
  ),
  rule('npm-token', 'npm access token', '(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}'),
  rule(
    'npmrc-auth-token',
    '_authToken in an .npmrc',
    '_authToken\\s{0,4}=\\s{0,4}(?<secret>[A-Za-z0-9_\\-.+/=]{20,512})',
  ),
  rule('pypi-token', 'PyPI API token', '(?<![A-Za-z0-9_\\-])pypi-AgE[A-Za-z0-9_\\-]{50,300}'),
  rule(
    'docker-hub-token',
    'Docker Hub personal / organisation access token',
    'dckr_(?:pat|oat)_[A-Za-z0-9_\\-]{20,64}',
  ),
  rule(
    'huggingface-token',
    'Hugging Face access token',
    '(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z0-9]{30,40}',
  ),
  rule('twilio-api-key', 'Twilio API key SID', '(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])'),
  rule(
    'twilio-auth-token',
    'Twilio auth token after its key name',
    `${ci('twilio')}[A-Za-z0-9_\\-.]{0,16}${ci('auth')}[_\\-.]?${ci('token')}${SEP}(?<secret>[0-9a-f]{32})`,
  ),
  rule(
    'sendgrid-api-key',
    'SendGrid API key',
    '(?<![A-Za-z0-9_\\-])SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}',
  ),
  rule('mailgun-api-key', 'Mailgun API key', '(?<![A-Za-z0-9])key-[0-9a-f]{32}(?![A-Za-z0-9])'),
  rule(
    'shopify-token',
    'Shopify access, custom-app, private-app and shared-secret tokens',
    '(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}',
  ),
  rule(
    'discord-bot-token',
    'Discord bot token',
    '(?<![A-Za-z0-9_\\-])[MNO][A-Za-z0-9_\\-]{23,25}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{27,40}',
  ),
  rule(
    'discord-webhook',
    'Discord webhook token',
    'discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/(?<secret>[A-Za-z0-9_\\-]{60,70})',
  ),
  rule('telegram-bot-token', 'Telegram bot token', '(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_\\-]{33}'),
  rule(
    'vault-token',
    'HashiCorp Vault service, batch and recovery tokens',
    'hv[sbr]\\.[A-Za-z0-9_\\-]{24,300}',
  ),
  rule(
    'vault-legacy-token',
    'HashiCorp Vault legacy service token (s.…)',
    '(?<![A-Za-z0-9_.\\-])s\\.[A-Za-z0-9]{24}(?![A-Za-z0-9_.\\-])',
    {
      minEntropy: 3.5,
    },
  ),
  rule(
    'jwt',
    'JSON Web Token (signed)',
    '(?<![A-Za-z0-9_\\-])eyJ[A-Za-z0-9_\\-]{8,4096}\\.eyJ[A-Za-z0-9_\\-]{8,8192}\\.[A-Za-z0-9_\\-]{16,2048}',
  ),
  rule('linear-api-key', 'Linear API key', 'lin_api_[A-Za-z0-9]{40}'),
  rule(
    'notion-token',
    'Notion integration token',
    '(?:ntn_[0-9]{11}[A-Za-z0-9]{32,40}|secret_[A-Za-z0-9]{43})',
  ),
  rule(
    'grafana-token',
    'Grafana cloud and service-account tokens',
    '(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})',
  ),
  rule('groq-api-key', 'Groq API key', '(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{52}'),
  rule(
    'databricks-token',
    'Databricks personal access token',
    '(?<![A-Za-z0-9_])dapi[a-f0-9]{32}(?:-[0-9])?',
  ),
  rule('digitalocean-token', 'DigitalOcean personal, OAuth and refresh tokens', 'do[opr]_v1_[a-f0-9]{64}'),
  rule('age-secret-key', 'age encryption secret key', 'AGE-SECRET-KEY-1[0-9A-Z]{58}'),
  rule(
    'tailscale-key',
    'Tailscale auth, API and OAuth client keys',
    'tskey-[a-z]{3,8}-[A-Za-z0-9]{8,40}-[A-Za-z0-9]{16,64}',
  ),
  rule(
    'onepassword-service-token',
    '1Password service-account token',
    '(?<![A-Za-z0-9+/=_\\-])ops_eyJ[A-Za-z0-9+/=_\\-]{100,4096}',
  ),
  rule('figma-token', 'Figma personal access token', '(?<![A-Za-z0-9_\\-])figd_[A-Za-z0-9_\\-]{40,64}'),
  rule(
    'sentry-token',
    'Sentry organisation and user auth tokens',
    '(?:sntrys_eyJ[A-Za-z0-9+/=_\\-]{60,1024}|sntryu_[a-f0-9]{64})',
  ),
  rule('postman-api-key', 'Postman API key', 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}'),
  rule('newrelic-api-key', 'New Relic user API key', 'NRAK-[A-Z0-9]{27}'),
  rule(
    'heroku-api-key',
    'Heroku platform API key (HRKU-)',
    '(?<![A-Za-z0-9_\\-])HRKU-[A-Za-z0-9_\\-]{40,80}',
  ),
  rule(
    'database-connection-string',
    'Password in a database URL (postgres, mysql, mongodb, redis, amqp, mssql, jdbc, …)',
    '(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchdb|jdbc:[a-z]{2,12})://[^\\s:@/?#"\'<>]{0,128}:(?<secret>[^\\s@/?#"\'<>]{1,256})@',
    { validate: NOT_PLACEHOLDER },
  ),
  rule(
    'url-credentials',
    'user:password in any URL',
    '://[^\\s:@/?#"\'<>]{1,128}:(?<secret>[^\\s@/?#"\'<>]{1,256})@',
    { validate: NOT_PLACEHOLDER },
  ),
  rule(
    'url-password-param',
    'password= query or JDBC parameter',
    `[?&](?:${ci('password')}|${ci('passwd')}|${ci('pwd')})=(?<secret>[^&;#\\s"'<>]{1,256})`,
    { validate: NOT_PLACEHOLDER },
  ),
  rule(
    'connection-string-password',
    'Password= in an ADO.NET / ODBC connection string',
    `;\\s?(?:${ci('password')}|${ci('pwd')})\\s?=\\s?(?<secret>[^;"'\\s]{1,256})`,
    { validate: NOT_PLACEHOLDER },
  ),
  rule(
    'authorization-bearer',
    'Bearer token (Authorization header or prose)',
    `${ci('bearer')}\\s{1,4}(?<secret>[A-Za-z0-9\\-._~+/]{16,4096}=*)`,
    { minEntropy: 3, validate: NOT_PLACEHOLDER },
  ),
  rule(
    'authorization-basic',
    'Basic credentials (base64 user:password)',
    `${ci('basic')}\\s{1,4}(?<secret>[A-Za-z0-9+/]{8,1024}={0,2})(?![A-Za-z0-9+/=])`,
    { validate: basicAuthValue },
  ),
  rule(
    'generic-api-key',
    'api_key / secret / token / private_key / access_key / credential assignment with a high-entropy value',
    `(?:${ci('api')}[_\\-.]?${ci('key')}|${ci('secret')}|${ci('token')}|${ci('private')}[_\\-.]?${ci('key')}|${ci('access')}[_\\-.]?${ci('key')}|${ci('credential')})[A-Za-z0-9_\\-.]{0,24}${SEP}(?<secret>[^\\s"'\`,;<>(){}\\[\\]\\\\]{8,256})`,
    { generic: true, minEntropy: 3.5, validate: NOT_PLACEHOLDER },
  ),
  rule(
    'generic-password',
    'password / passwd / passphrase / pwd assignment with a non-trivial value',
    `(?:${ci('passw')}(?:${ci('or')})?${ci('d')}|${ci('passphrase')}|${ci('pwd')})[A-Za-z0-9_\\-.]{0,24}${SEP}(?<secret>[^\\s"'\`,;<>(){}\\[\\]\\\\]{8,256})`,
    { generic: true, minEntropy: 3, validate: NOT_PLACEHOLDER },
  ),
]);
