/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
/**
 * Deterministic synthetic text for tests and benchmarks: tokens in every built-in format (generated, never real),
 * a corpus with no secrets (UUIDs, git SHAs, base64 images, integrity hashes, prose, code, logs) and a mixed 1 MB
 * corpus. Not exported from the package.
 */

export type Rng = () => number;

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}_-`;

export function pick(r: Rng, chars: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += chars.charAt(Math.floor(r() * chars.length));
  return s;
}

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** One synthetic example per built-in rule: the text to scan and the part that must disappear. */
export function ruleSamples(seed = 1): Record<string, { text: string; secret: string }> {
  const r = rng(seed);
  const t = (text: string, secret = text) => ({ text, secret });
  const kv = (key: string, secret: string) => ({ text: `${key}=${secret}`, secret });
  const jwt = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${pick(r, ALNUM, 12)}","iat":1700000000}`)}.${pick(r, URLSAFE, 43)}`;
  const pem = (kind: string) =>
    `-----BEGIN ${kind}PRIVATE KEY-----\n${Array.from({ length: 6 }, () => pick(r, B64, 64)).join('\n')}\n-----END ${kind}PRIVATE KEY-----`;
  const basic = Buffer.from(`admin:${pick(r, ALNUM, 16)}`).toString('base64');
  const gcpKey = pem('').replace(/\n/g, '\\n');
  return {
    'aws-access-key-id': t(`AKIA${pick(r, UPPER, 16)}`),
    'aws-secret-access-key': kv('aws_secret_access_key', pick(r, `${ALNUM}/+`, 40)),
    'github-pat': t(`ghp_${pick(r, ALNUM, 36)}`),
    'github-oauth': t(`gho_${pick(r, ALNUM, 36)}`),
    'github-app-token': t(`ghs_${pick(r, ALNUM, 36)}`),
    'github-refresh-token': t(`ghr_${pick(r, ALNUM, 76)}`),
    'github-fine-grained-pat': t(`github_pat_${pick(r, ALNUM, 22)}_${pick(r, ALNUM, 59)}`),
    'gitlab-token': t(`glpat-${pick(r, URLSAFE, 20)}`),
    'slack-token': t(`xoxb-${pick(r, '0123456789', 12)}-${pick(r, '0123456789', 13)}-${pick(r, ALNUM, 24)}`),
    'slack-webhook': (() => {
      const s = `T${pick(r, UPPER, 8)}/B${pick(r, UPPER, 8)}/${pick(r, ALNUM, 24)}`;
      return { text: `https://hooks.slack.com/services/${s}`, secret: s };
    })(),
    'stripe-key': t(`sk_live_${pick(r, ALNUM, 24)}`),
    'stripe-webhook-secret': t(`whsec_${pick(r, ALNUM, 32)}`),
    'openai-api-key': t(`sk-proj-${pick(r, URLSAFE, 74)}T3BlbkFJ${pick(r, URLSAFE, 74)}`),
    'anthropic-api-key': t(`sk-ant-api03-${pick(r, URLSAFE, 93)}AA`),
    'google-api-key': t(`AIza${pick(r, URLSAFE, 35)}`),
    'google-oauth-client-secret': t(`GOCSPX-${pick(r, URLSAFE, 28)}`),
    'google-oauth-access-token': t(`ya29.${pick(r, URLSAFE, 120)}`),
    'gcp-service-account-key': {
      text: `{"type":"service_account","private_key":"${gcpKey}\\n"}`,
      secret: `${gcpKey}\\n`,
    },
    'private-key': t(pem('RSA ')),
    'azure-storage-account-key': (() => {
      const s = `${pick(r, `${ALNUM}+/`, 86)}==`;
      return {
        text: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${s};EndpointSuffix=core.windows.net`,
        secret: s,
      };
    })(),
    'azure-shared-access-key': (() => {
      const s = `${pick(r, `${ALNUM}+/`, 43)}=`;
      return {
        text: `Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${s}`,
        secret: s,
      };
    })(),
    'azure-sas-signature': (() => {
      const s = `${pick(r, ALNUM, 40)}%2B${pick(r, ALNUM, 3)}%3D`;
      return { text: `https://a.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=${s}`, secret: s };
    })(),
    'azure-ad-client-secret': t(`${pick(r, ALNUM, 3)}8Q~${pick(r, URLSAFE, 34)}`),
    'npm-token': t(`npm_${pick(r, ALNUM, 36)}`),
    'npmrc-auth-token': (() => {
      const s = pick(r, URLSAFE, 36);
      return { text: `//registry.npmjs.org/:_authToken=${s}`, secret: s };
    })(),
    'pypi-token': t(`pypi-AgEIcHlwaS5vcmc${pick(r, URLSAFE, 70)}`),
    'docker-hub-token': t(`dckr_pat_${pick(r, URLSAFE, 27)}`),
    'huggingface-token': t(`hf_${pick(r, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 34)}`),
    'twilio-api-key': t(`SK${pick(r, HEX, 32)}`),
    'twilio-auth-token': kv('TWILIO_AUTH_TOKEN', pick(r, HEX, 32)),
    'sendgrid-api-key': t(`SG.${pick(r, URLSAFE, 22)}.${pick(r, URLSAFE, 43)}`),
    'mailgun-api-key': t(`key-${pick(r, HEX, 32)}`),
    'shopify-token': t(`shpat_${pick(r, HEX, 32)}`),
    'discord-bot-token': t(`MT${pick(r, ALNUM, 22)}.${pick(r, URLSAFE, 6)}.${pick(r, URLSAFE, 38)}`),
    'discord-webhook': (() => {
      const s = pick(r, URLSAFE, 68);
      return { text: `https://discord.com/api/webhooks/123456789012345678/${s}`, secret: s };
    })(),
    'telegram-bot-token': t(`${pick(r, '0123456789', 10)}:AA${pick(r, URLSAFE, 33)}`),
    'vault-token': t(`hvs.${pick(r, URLSAFE, 90)}`),
    'vault-legacy-token': t(`s.${pick(r, ALNUM, 24)}`),
    jwt: t(jwt),
    'linear-api-key': t(`lin_api_${pick(r, ALNUM, 40)}`),
    'notion-token': t(`ntn_${pick(r, '0123456789', 11)}${pick(r, ALNUM, 35)}`),
    'grafana-token': t(`glsa_${pick(r, ALNUM, 32)}_${pick(r, HEX, 8)}`),
    'groq-api-key': t(`gsk_${pick(r, ALNUM, 52)}`),
    'databricks-token': t(`dapi${pick(r, HEX, 32)}`),
    'digitalocean-token': t(`dop_v1_${pick(r, HEX, 64)}`),
    'age-secret-key': t(`AGE-SECRET-KEY-1${pick(r, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`),
    'tailscale-key': t(`tskey-auth-${pick(r, ALNUM, 12)}-${pick(r, ALNUM, 30)}`),
    'onepassword-service-token': t(`ops_eyJ${pick(r, B64, 200)}`),
    'figma-token': t(`figd_${pick(r, URLSAFE, 40)}`),
    'sentry-token': t(`sntryu_${pick(r, HEX, 64)}`),
    'postman-api-key': t(`PMAK-${pick(r, HEX, 24)}-${pick(r, HEX, 34)}`),
    'newrelic-api-key': t(`NRAK-${pick(r, UPPER, 27)}`),
    'heroku-api-key': t(`HRKU-${pick(r, URLSAFE, 60)}`),
    'database-connection-string': (() => {
      const s = pick(r, ALNUM, 14);
      return { text: `postgres://app:${s}@db.internal:5432/prod`, secret: s };
    })(),
    'url-credentials': (() => {
      const s = pick(r, ALNUM, 12);
      return { text: `https://deploy:${s}@git.example.com/repo.git`, secret: s };
    })(),
    'url-password-param': (() => {
      const s = pick(r, ALNUM, 12);
      return { text: `jdbc:mysql://db:3306/app?user=app&password=${s}`, secret: s };
    })(),
    'connection-string-password': (() => {
      const s = pick(r, ALNUM, 12);
      return { text: `Server=tcp:db,1433;Database=app;User Id=app;Password=${s};`, secret: s };
    })(),
    'authorization-bearer': (() => {
      const s = pick(r, URLSAFE, 40);
      return { text: `Authorization: Bearer ${s}`, secret: s };
    })(),
    'authorization-basic': { text: `Authorization: Basic ${basic}`, secret: basic },
    'generic-api-key': (() => {
      const s = pick(r, ALNUM, 32);
      return { text: `"api_key": "${s}"`, secret: s };
    })(),
    'generic-password': (() => {
      const s = `${pick(r, ALNUM, 10)}!${pick(r, ALNUM, 4)}`;
      return { text: `DB_PASSWORD=${s}`, secret: s };
    })(),
  };
}

const WORDS =
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no out what up its into them than about more can only other new some could time these two may first then do any like my now over such our man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );

function prose(r: Rng, n: number): string {
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return `${w.join(' ')}.`;
}

function uuid(r: Rng): string {
  const h = pick(r, HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Text with no secret: every line is something a redactor must leave alone. */
export function cleanLines(r: Rng): string[] {
  const sha = pick(r, HEX, 40);
  const img = Buffer.from(pick(r, ALNUM, 120)).toString('base64');
  return [
    prose(r, 24),
    `id=${uuid(r)} request_id=${uuid(r)}`,
    `commit ${sha}\nAuthor: Dev <dev@example.com>\n\n    ${prose(r, 8)}`,
    `${pick(r, HEX, 7)} ${prose(r, 6)}`,
    `"integrity": "sha512-${Buffer.from(pick(r, ALNUM, 64)).toString('base64')}"`,
    `"resolved": "https://registry.npmjs.org/pkg/-/pkg-1.2.3.tgz#${pick(r, HEX, 40)}"`,
    `<img src="data:image/png;base64,${img}">`,
    `{"etag":"W/\\"${pick(r, HEX, 32)}\\"","updated":"2024-05-0${Math.floor(r() * 9) + 1}T12:00:00Z","count":${Math.floor(r() * 1e6)}}`,
    `2024-05-01T12:00:00.${Math.floor(r() * 999)}Z INFO server listening on http://localhost:${3000 + Math.floor(r() * 999)} pid=${Math.floor(r() * 99999)}`,
    `const ${pick(r, 'abcdefghij', 6)} = await fetch(url, { headers: { authorization: \`Bearer \${token}\` } });`,
    `password = os.environ["DB_PASSWORD"]  # read at startup`,
    `export API_KEY=\${API_KEY:?missing}`,
    `-rw-r--r--  1 dev staff  ${Math.floor(r() * 99999)} May  1 12:00 ${pick(r, 'abcdefgh', 8)}.ts`,
    `sha256:${pick(r, HEX, 64)}`,
    `The Basic authentication scheme and Bearer tokens are described in RFC 7617 and RFC 6750.`,
    `token: ${pick(r, 'abcdefghijklmnop', 6)} (expired) secret: none`,
  ];
}

/** ~size characters of text with no secret. */
export function cleanCorpus(size: number, seed = 7): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const lines = cleanLines(r);
    const line = lines[Math.floor(r() * lines.length)]!;
    parts.push(line);
    n += line.length + 1;
  }
  return parts.join('\n');
}

/** Random registered-style values of assorted shapes, 16-64 characters. */
export function makeValues(n: number, seed = 3): string[] {
  const r = rng(seed);
  const shapes = [
    () => pick(r, HEX, 32 + Math.floor(r() * 32)),
    () => pick(r, ALNUM, 20 + Math.floor(r() * 40)),
    () => `sk-${pick(r, ALNUM, 40)}`,
    () => `${pick(r, ALNUM, 8)}!${pick(r, ALNUM, 4)}/${pick(r, ALNUM, 6)}+${pick(r, ALNUM, 3)}`,
    () => `tok_${pick(r, ALNUM, 24)}`,
    () => uuid(r),
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(shapes[i % shapes.length]!());
  return out;
}

/** Every encoding of a value that leaves a process (the forms the redactor registers, plus padding). */
export function encodings(v: string): string[] {
  const b = Buffer.from(v, 'utf8');
  return [
    v,
    JSON.stringify(v).slice(1, -1),
    encodeURIComponent(v),
    new URLSearchParams([['', v]]).toString().slice(1),
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
  ];
}

/**
 * ~size characters of clean text with `planted` registered values (random encodings) and every rule sample
 * spread through it.
 */
export function mixedCorpus(size: number, values: readonly string[], planted = 24, seed = 11): string {
  const r = rng(seed);
  const clean = cleanCorpus(size, seed + 1).split('\n');
  const samples = Object.values(ruleSamples(seed));
  const inserts: string[] = [];
  for (let i = 0; i < planted && values.length > 0; i++) {
    const v = values[Math.floor(r() * values.length)]!;
    const enc = encodings(v);
    inserts.push(`value: ${enc[Math.floor(r() * enc.length)]!}`);
  }
  for (const s of samples) inserts.push(s.text);
  for (const ins of inserts) clean.splice(Math.floor(r() * clean.length), 0, ins);
  return clean.join('\n');
}
