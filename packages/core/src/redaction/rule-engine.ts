/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { InvalidConfigError } from '../errors.js';
import { builtinRules, type BuiltinRule } from './builtin-rules.js';
import { shannonEntropy } from './entropy.js';
import { RulePrefilter } from './rule-prefilter.js';
import { ruleFences, ruleReach, type RuleReach } from './rule-reach.js';
import { ruleRejects } from './rule-rejects.js';
import { RuleStream } from './rule-stream.js';
import { ruleTriggers } from './rule-triggers.js';
import type { RuleOptions, SecretRule } from './types.js';

/** Receives each accepted rule hit: the replaced range (the `secret` group, else the whole match). */
export type RuleSink = (
  start: number,
  end: number,
  ruleId: string,
  secret: string,
  matchStart: number,
) => void;

interface Part {
  rule: SecretRule & { generic?: boolean };
  /** Index of the part's outer capture group in the combined regex. */
  group: number;
  /** Name of its `secret` group in the combined regex, if any (user rules, matched with the `d` flag). */
  secret: string | undefined;
  /**
   * Index of its `secret` group when the group was made unnamed (built-ins): no groups object and no indices are
   * built per match, which dominates the cost of a hit. The secret is the last occurrence of that text in the
   * match (built-in secrets are followed by at most one fixed character).
   */
  secretIndex: number | undefined;
}

/** Number of capturing groups opened in `src` before `end`. */
function capturesBefore(src: string, end: number): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < end; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (
      c === '(' &&
      (src[i + 1] !== '?' || (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!'))
    )
      n++;
  }
  return n;
}

interface Hit {
  part: Part;
  /** Start and end of the whole match. */
  index: number;
  last: number;
  /** The range to replace. */
  start: number;
  end: number;
}

/**
 * Many rules as one V8 regex (research: one pass of a combined alternation beats one pass per rule, and V8's
 * backtracker beats RE2 on short texts). Each rule is wrapped in its own capture group so the hit can be
 * attributed; named groups are renamed per rule because names must be unique.
 */
class Combined {
  private readonly re: RegExp;
  private readonly parts: Part[];

  constructor(rules: readonly (SecretRule & { generic?: boolean })[], flags: string, unnamed = false) {
    const sources: string[] = [];
    this.parts = [];
    let group = 1;
    rules.forEach((rule, i) => {
      const at = rule.pattern.source.indexOf('(?<secret>');
      const src = unnamed
        ? rule.pattern.source.replace('(?<secret>', '(')
        : rule.pattern.source
            .replace(/\(\?<([A-Za-z_$][\w$]*)>/g, `(?<r${i}_$1>`)
            .replace(/\\k<([A-Za-z_$][\w$]*)>/g, `\\k<r${i}_$1>`);
      // `x|` always matches '', and the match array has one slot per capture group.
      const probe = new RegExp(`${rule.pattern.source}|`, rule.pattern.flags.replace(/[gy]/g, '')).exec('');
      const own = (probe?.length ?? 1) - 1;
      sources.push(`(${src})`);
      const hasSecret = /\(\?<secret>/.test(rule.pattern.source);
      this.parts.push({
        rule,
        group,
        secret: hasSecret && !unnamed ? `r${i}_secret` : undefined,
        secretIndex: hasSecret && unnamed ? group + 1 + capturesBefore(rule.pattern.source, at) : undefined,
      });
      group += own + 1;
    });
    this.re = new RegExp(sources.join('|') || '(?!)', flags);
  }

  /** Next hit at or after `from`, or undefined. */
  exec(text: string, from: number): Hit | undefined {
    this.re.lastIndex = from;
    const m = this.re.exec(text);
    if (m === null) return undefined;
    for (const part of this.parts) {
      if (m[part.group] === undefined) continue;
      let span = part.secret !== undefined ? m.indices?.groups?.[part.secret] : undefined;
      if (part.secretIndex !== undefined) {
        const s = m[part.secretIndex];
        if (s !== undefined) {
          const at = m.index + m[0].lastIndexOf(s);
          span = [at, at + s.length];
        }
      }
      const last = m.index + m[0].length;
      const [start, end] = span ?? [m.index, last];
      return { part, index: m.index, last, start, end };
    }
    return undefined;
  }

  get size(): number {
    return this.parts.length;
  }
}

// A quantified group that itself ends in a quantifier, e.g. (a+)+ or (\w+\s?)*: the classic catastrophic case.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}]\)(?:[+*]|\{\d+,\d*\})/;

function checkUserRule(rule: SecretRule, issues: string[]): void {
  const name = typeof rule.id === 'string' && rule.id !== '' ? rule.id : '(unnamed)';
  if (typeof rule.id !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(rule.id))
    issues.push(`rule ${name}: id must be 1-64 characters of [A-Za-z0-9_.:-]`);
  if (!(rule.pattern instanceof RegExp)) issues.push(`rule ${name}: pattern must be a RegExp`);
  else {
    if (NESTED_QUANTIFIER.test(rule.pattern.source))
      issues.push(`rule ${name}: pattern has a nested quantifier and could take exponential time`);
    if (rule.pattern.test('')) issues.push(`rule ${name}: pattern matches the empty string`);
    rule.pattern.lastIndex = 0;
  }
}

const prefilters = new Map<string, RulePrefilter>();
const stickies = new Map<BuiltinRule, Combined>();

/**
 * One sticky regex per built-in rule, shared by every engine: scanning is synchronous and nothing reads a regex's
 * lastIndex after its exec, so sharing is safe and a new redactor does not compile 61 regexes again.
 */
function stickyFor(rule: BuiltinRule): Combined {
  let c = stickies.get(rule);
  if (c === undefined) stickies.set(rule, (c = new Combined([rule], 'y', true)));
  return c;
}

/** One prefilter per set of active built-ins (building one costs a few ms; most redactors share the default). */
function prefilterFor(active: readonly BuiltinRule[]): RulePrefilter {
  const key = active.map((r) => r.id).join(',');
  let p = prefilters.get(key);
  if (p === undefined) {
    p = new RulePrefilter(
      active.map((r) => {
        const specs = ruleTriggers[r.id];
        if (specs === undefined) throw new Error(`built-in rule ${r.id} has no prefilter trigger`);
        return specs;
      }),
      active.map((r) => ruleRejects[r.id]),
    );
    prefilters.set(key, p);
  }
  return p;
}

/** The built-in rules plus user rules, disables and allow-list, compiled for scanning. */
export class RuleEngine {
  /** Ids of the active rules, in order. */
  readonly ids: readonly string[];
  private readonly builtin: Combined;
  /** Each active built-in rule alone, sticky: tried only where the prefilter says it could start. */
  private readonly sticky: Combined[];
  private readonly prefilter: RulePrefilter | undefined;
  private readonly active: readonly BuiltinRule[];
  /** Scratch for the prefilter's starts (scan is synchronous, so one buffer per engine is enough). */
  private readonly starts: number[] = [];
  private readonly specific: Combined;
  private readonly user: Combined[];
  private readonly allowValues: Set<string>;
  private readonly allowPatterns: RegExp[];

  /** `prefilter: false` scans with the one combined regex (the reference the prefilter is tested against). */
  constructor(options: RuleOptions = {}, prefilter = true) {
    const issues: string[] = [];
    const known = new Set(builtinRules.map((r) => r.id));
    const disable = new Set(options.disable ?? []);
    for (const id of disable) if (!known.has(id)) issues.push(`rules.disable: no built-in rule named ${id}`);
    const add = options.add ?? [];
    for (const r of add) checkUserRule(r, issues);
    for (const a of options.allow ?? [])
      if (!(typeof a === 'string' && a !== '') && !(a instanceof RegExp))
        issues.push('rules.allow: entries must be non-empty strings or RegExps');
    if (issues.length > 0) throw new InvalidConfigError(issues, 'redaction rules');

    const active: BuiltinRule[] =
      options.builtin === false ? [] : builtinRules.filter((r) => !disable.has(r.id));
    // Built-in rules have only `secret` groups, unnamed here so a hit builds no groups object and no indices.
    this.builtin = new Combined(active, 'g', true);
    this.active = active;
    this.sticky = active.map(stickyFor);
    this.prefilter = prefilter && active.length > 0 ? prefilterFor(active) : undefined;
    this.specific = new Combined(
      active.filter((r) => r.generic !== true),
      // Sticky: a token in a value starts at the value, and one attempt is far cheaper than a search.
      'y',
      true,
    );
    this.user = add.map(
      (r) => new Combined([r], `${[...new Set(r.pattern.flags.replace(/[gyd]/g, ''))].join('')}gd`),
    );
    this.ids = [...active.map((r) => r.id), ...add.map((r) => r.id)];
    this.allowValues = new Set((options.allow ?? []).filter((a): a is string => typeof a === 'string'));
    this.allowPatterns = (options.allow ?? [])
      .filter((a): a is RegExp => a instanceof RegExp)
      .map((re) => new RegExp(re.source, re.flags.replace(/[gy]/g, '')));
  }

  get empty(): boolean {
    return this.builtin.size === 0 && this.user.length === 0;
  }

  /**
   * False when `scan(text)` can report nothing: the prefilter finds no start. Always true with user rules (they
   * have no triggers) or without the prefilter.
   */
  mayHit(text: string): boolean {
    if (this.prefilter === undefined || this.user.length > 0) return true;
    return this.prefilter.mayFind(text);
  }

  /** Reports every accepted hit in `text`. Hits from different regexes may overlap; the caller merges. */
  scan(text: string, sink: RuleSink): void {
    if (this.prefilter !== undefined) this.runFiltered(this.prefilter, text, sink);
    else this.run(this.builtin, text, sink);
    for (const c of this.user) this.run(c, text, sink);
  }

  private run(c: Combined, text: string, sink: RuleSink): void {
    if (c.size === 0) return;
    let from = 0;
    for (;;) {
      const hit = c.exec(text, from);
      if (hit === undefined) return;
      const secret = text.slice(hit.start, hit.end);
      const id = this.accept(hit.part.rule, secret);
      if (id !== undefined) sink(hit.start, hit.end, id, secret, hit.index);
      // A rejected hit may hide a real one that starts inside it, so resume just after its start.
      from = id !== undefined && hit.last > hit.index ? hit.last : hit.index + 1;
      if (from > text.length) return;
    }
  }

  /**
   * Same hits as `run(this.builtin, …)`: the combined regex reports, at the leftmost position where any rule
   * matches, the first rule in order; after an accepted hit it resumes at its end, after a rejected one at the
   * next position. Here every rule is tried (sticky) only at the starts the prefilter reports, and that walk is
   * replayed over the sorted matches.
   */
  private runFiltered(prefilter: RulePrefilter, text: string, sink: RuleSink): void {
    let found: Hit[] | undefined;
    let order: number[] | undefined;
    const { sticky, starts } = this;
    starts.length = 0;
    prefilter.find(text, starts);
    for (let k = 0; k < starts.length; k += 2) {
      const rule = starts[k]!;
      const hit = sticky[rule]!.exec(text, starts[k + 1]!);
      if (hit === undefined) continue;
      (found ??= []).push(hit);
      (order ??= []).push(rule);
    }
    if (found === undefined || order === undefined) return;
    const idx = found.map((_, k) => k);
    const f = found;
    const o = order;
    if (idx.length > 1) idx.sort((a, b) => f[a]!.index - f[b]!.index || o[a]! - o[b]!);
    let resume = 0;
    for (const k of idx) {
      const hit = f[k]!;
      if (hit.index < resume) continue;
      const secret = text.slice(hit.start, hit.end);
      const id = this.accept(hit.part.rule, secret);
      if (id !== undefined) sink(hit.start, hit.end, id, secret, hit.index);
      resume = id !== undefined && hit.last > hit.index ? hit.last : hit.index + 1;
    }
  }

  /**
   * A scanner that carries its state across stream writes (rule-stream.ts), or undefined when a stream has to
   * rescan: user rules have no prefilter triggers, so they could start anywhere.
   */
  streamScanner(): RuleStream | undefined {
    const { prefilter, sticky, active } = this;
    if (prefilter === undefined || this.user.length > 0) return undefined;
    return new RuleStream({
      prefilter,
      reach: active.map(reachOf),
      fences: active.map((r) => ruleFences[r.id]),
      tryAt: (rule, text, at) => sticky[rule]!.exec(text, at),
      accept: (rule, secret) => this.accept(active[rule]!, secret),
    });
  }

  /** Id of the first specific (non-generic) rule that matches at the start of `value`. */
  private specificAtStart(value: string): string | undefined {
    const { prefilter, sticky, active } = this;
    if (prefilter === undefined) return this.specific.exec(value, 0)?.part.rule.id;
    // The prefilter finds every rule that can match at 0, so most values cost one short sampled pass.
    let best = -1;
    const starts: number[] = [];
    prefilter.find(value, starts);
    for (let k = 0; k < starts.length; k += 2) {
      const rule = starts[k]!;
      if (starts[k + 1] !== 0 || (best !== -1 && rule > best) || active[rule]!.generic === true) continue;
      if (sticky[rule]!.exec(value, 0) !== undefined) best = rule;
    }
    return best === -1 ? undefined : active[best]!.id;
  }

  /** The rule id to report, or undefined when the hit is dropped. */
  private accept(rule: SecretRule & { generic?: boolean }, secret: string): string | undefined {
    if (this.allowValues.has(secret) || this.allowPatterns.some((re) => re.test(secret))) return undefined;
    if (rule.generic === true) {
      // The value of a key=value hit may be a token a specific rule knows: report that rule instead.
      const inner = this.specificAtStart(secret);
      if (inner !== undefined) return inner;
    }
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return undefined;
    if (rule.validate !== undefined && !rule.validate(secret)) return undefined;
    return rule.id;
  }
}

const reaches = new Map<BuiltinRule, RuleReach | undefined>();

/** A built-in rule's reach, derived once per process. */
function reachOf(rule: BuiltinRule): RuleReach | undefined {
  if (!reaches.has(rule)) reaches.set(rule, ruleReach(rule.pattern));
  return reaches.get(rule);
}
