/**
 * Trigger literals of the built-in rules, for the sampled prefilter (rule-prefilter.ts). Every match of a rule
 * contains one of its triggers at a known distance from the match start, so the rule only has to be tried
 * (sticky) at the starts its triggers point to instead of at every position of the text.
 *
 * A trigger is written as a sequence of elements: a literal character (`\` escapes the next one) or a
 * regex character class `[...]`. It must be at least 5 elements long (the sampler reads 3-grams every 3
 * characters, so a trigger's 3 consecutive 3-grams starting at `win`, default 0, are indexed; keep them
 * selective). `i`: letters match in either case. `at`: offsets from the trigger's first element to the
 * possible match starts (default [0]). An element before the match start (at > 0) stands for the character in
 * front of the match; at the start of the text it is simply absent.
 *
 * Completeness (every match is reached) is tested in rule-prefilter.test.ts against a full scan.
 */
export interface TriggerSpec {
  readonly src: string;
  readonly i?: boolean;
  readonly at?: readonly number[];
  readonly win?: number;
}

/**
 * A rule anchored on a '.' (found with indexOf, so a dot costs ~15 ns): `dot` lists [offset from the dot,
 * one-character class] pairs that must hold (offsets before the text start pass), `at` the possible match
 * starts relative to the dot.
 */
export interface DotTrigger {
  readonly dot: readonly (readonly [number, string])[];
  readonly at: readonly number[];
}

const t = (src: string, more: Omit<TriggerSpec, 'src'> = {}): TriggerSpec => ({ src, ...more });
const ci = (src: string, more: Omit<TriggerSpec, 'src'> = {}): TriggerSpec => ({ src, i: true, ...more });
const lits = (...srcs: string[]): TriggerSpec[] => srcs.map((s) => t(s));

const ALNUM = '[A-Za-z0-9]';
const TOKEN = '[A-Za-z0-9_\\-]';
/** Any character. */
const ANY = '[^]';

/** Triggers per built-in rule id. */
export const ruleTriggers: Readonly<Record<string, readonly (TriggerSpec | DotTrigger)[]>> = {
  'aws-access-key-id': [
    ...lits('AKIA[A-Z0-9]', 'ASIA[A-Z0-9]', 'ABIA[A-Z0-9]', 'ACCA[A-Z0-9]'),
    t(`${ANY}A3T[A-Z0-9]`, { at: [1] }),
  ],
  // (aws_)?secret_access_key | aws_secret_key | aws_session_token
  'aws-secret-access-key': [ci('secret'), ci('aws[_\\-.]s'), ci('awsse')],
  'github-pat': lits(`ghp_${ALNUM}`),
  'github-oauth': lits(`gho_${ALNUM}`),
  'github-app-token': lits(`gh[us]_${ALNUM}`),
  'github-refresh-token': lits(`ghr_${ALNUM}`),
  'github-fine-grained-pat': lits('github_pat_'),
  'gitlab-token': lits(
    'glpat-',
    'gldt-',
    'glrt-',
    'glptt-',
    'glcbt-',
    'gloas-',
    'glft-',
    'glimt-',
    'glsoat-',
    'glagent-',
  ),
  'slack-token': lits('xox[abposre]-', 'xapp-[0-9]'),
  'slack-webhook': lits('hooks.slack.com/'),
  'stripe-key': lits('[sr]k_live_', '[sr]k_test_'),
  'stripe-webhook-secret': lits('whsec_'),
  // sk-proj-… / sk-svcacct-… / sk-admin-…, or the legacy sk-<20>T3BlbkFJ<20> found by its marker.
  'openai-api-key': [...lits('sk-proj-', 'sk-svcacct-', 'sk-admin-'), t('T3BlbkFJ', { at: [-23] })],
  'anthropic-api-key': lits('sk-ant-'),
  'google-api-key': [t(`${ANY}AIza`, { at: [1] })],
  'google-oauth-client-secret': lits('GOCSPX-'),
  'google-oauth-access-token': lits('ya29.'),
  'gcp-service-account-key': lits('"private_key"'),
  'private-key': [t('-----BEGIN ', { win: 5 })],
  // Windows on the rarer 3-grams ("ntK", "dAc"), not "acc"/"sha"/"are".
  'azure-storage-account-key': [ci('AccountKey=', { win: 5 })],
  'azure-shared-access-key': [ci('SharedAccessKey=', { win: 4 })],
  'azure-sas-signature': lits('[?&]sig='),
  // <3 chars><digit>Q~<31-34>: found by its digit and Q~.
  'azure-ad-client-secret': [t('[0-9]Q~[A-Za-z0-9_~.\\-][A-Za-z0-9_~.\\-]', { at: [-3] })],
  'npm-token': lits(`npm_${ALNUM}`),
  'npmrc-auth-token': [t('_authToken', { win: 3 })],
  'pypi-token': lits('pypi-AgE'),
  'docker-hub-token': lits('dckr_pat_', 'dckr_oat_'),
  'huggingface-token': [t(`[^A-Za-z0-9_]hf_${ALNUM}`, { at: [1] }), t('api_org_')],
  'twilio-api-key': [t('[^A-Za-z0-9]SK[0-9a-fA-F][0-9a-fA-F]', { at: [1] })],
  'twilio-auth-token': [ci('twilio')],
  'sendgrid-api-key': [t(`${ANY}SG.${TOKEN}`, { at: [1] })],
  'mailgun-api-key': lits('key-[0-9a-f]'),
  'shopify-token': lits('shpat_', 'shpca_', 'shppa_', 'shpss_'),
  // [MNO]<23-25>.<6>.<27-40>: no selective literal, but two dots 7 apart.
  'discord-bot-token': [
    {
      dot: [
        [7, '\\.'],
        [1, TOKEN],
        [6, TOKEN],
        [-1, TOKEN],
      ],
      at: [-24, -25, -26],
    },
  ],
  'discord-webhook': lits('discord'),
  // <8-10 digits>:AA<33>: found by the last digit and :AA (not by two digits and a colon: timestamps).
  'telegram-bot-token': [t(`[0-9]:AA${TOKEN}`, { at: [-9, -8, -7] })],
  'vault-token': [t(`${ANY}hv[sbr].`, { at: [1] })],
  'vault-legacy-token': [
    {
      dot: [
        [-1, 's'],
        [-2, '[^A-Za-z0-9_.\\-]'],
        [1, ALNUM],
      ],
      at: [-1],
    },
  ],
  jwt: [t(`[^A-Za-z0-9_\\-]eyJ${TOKEN}`, { at: [1] })],
  'linear-api-key': lits('lin_api_'),
  'notion-token': lits('ntn_[0-9]', 'secret_'),
  'grafana-token': lits('glc_[A-Za-z0-9+/]', 'glsa_'),
  'groq-api-key': lits(`gsk_${ALNUM}`),
  'databricks-token': lits('dapi[a-f0-9]'),
  'digitalocean-token': lits('do[opr]_v1_'),
  'age-secret-key': lits('AGE-SECRET-KEY-1'),
  'tailscale-key': lits('tskey-'),
  'onepassword-service-token': lits('ops_eyJ'),
  'figma-token': lits('figd_'),
  'sentry-token': [t('sntrys_eyJ', { win: 3 }), t('sntryu_[a-f0-9][a-f0-9]', { win: 4 })],
  'postman-api-key': lits('PMAK-'),
  'newrelic-api-key': lits('NRAK-'),
  'heroku-api-key': lits('HRKU-'),
  'database-connection-string': [
    t('postgres', { win: 2 }),
    ...lits('mysql', 'mariadb', 'mongodb', 'redis', 'amqps', 'amqp:', 'mssql', 'sqlserver'),
    ...lits('cockroachdb', 'clickhouse', 'jdbc:'),
    t('couchdb', { win: 2 }),
  ],
  'url-credentials': [t(`${ANY}://[^\\s:@/?#"'<>]`, { at: [1] })],
  'url-password-param': [ci('[?&]pass'), ci('[?&]pwd=')],
  // ;\s?(password|pwd)\s?=
  'connection-string-password': [ci(';pass'), ci(';pwd[\\s=]'), ci(';[\\s]pas'), ci(';[\\s]pwd')],
  'authorization-bearer': [ci('bearer')],
  'authorization-basic': [ci('basic')],
  // api[_-.]?key | secret | token | private[_-.]?key | access[_-.]?key | credential
  'generic-api-key': [
    ci('api[_\\-.]k'),
    ci('apike'),
    ci('secret'),
    ci('token'),
    ci('private'),
    ci('access'),
    ci('credential', { win: 5 }),
  ],
  // passw(or)?d | passphrase | pwd, then more key characters or the separator
  'generic-password': [ci('passw'), ci('passp'), ci(`${ANY}pwd[A-Za-z0-9_\\-."'\\s=:]`, { at: [1] })],
};
