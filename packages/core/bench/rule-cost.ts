/** Diagnostic: what each built-in rule costs alone and what the combined regex costs without it (1 MB corpus). */
import { builtinRules } from '../src/redaction/builtin-rules.js';
import { RuleEngine } from '../src/redaction/rule-engine.js';
import { mixedCorpus } from '../src/redaction/test-corpus.js';

const text = mixedCorpus(1 << 20, [], 0, 11);
function ms(e: RuleEngine): number {
  const t: number[] = [];
  for (let k = 0; k < 5; k++) {
    const s = performance.now();
    e.scan(text, () => undefined);
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[2]!;
}
console.log('all', ms(new RuleEngine()).toFixed(2), 'ms');
const rows = builtinRules.map((r) => ({
  id: r.id,
  alone: ms(new RuleEngine({ builtin: false, add: [r] })),
  without: ms(new RuleEngine({ disable: [r.id] })),
}));
rows.sort((a, b) => a.without - b.without);
for (const r of rows) console.log(r.id.padEnd(30), r.alone.toFixed(2), r.without.toFixed(2));
