// The load run with a short redaction grace, in its own process (see GAP-9 in security-faults.test.ts): values are
// unregistered while calls run, and the heap must come back to its start. Prints the figures; exits 1 on a
// lifecycle violation. Run: node --expose-gc --import tsx test/support/load-child.ts 10000
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGuard, memoryAudit } from '@agent-lease/core';
import { countingBroker, lifecycleViolations } from './counting-broker.js';
import { runLoad } from './load-driver.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function heap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

const calls = Number(process.argv[2] ?? 10_000);
const broker = countingBroker({ latencyMs: (id) => Number(id.split('-')[2]) % 3 });
const guard = createGuard({
  agent: { id: 'load-child' },
  broker,
  grants: { svc: { scopes: ['load:*'], maxTtl: '1m' } },
  audit: { sink: memoryAudit({ capacity: 1000 }) },
  redaction: { grace: '100ms' },
});
const inject = (id: string) => broker.failFor.add(id);
await runLoad(guard, { calls: 2_000, concurrency: 100, seed: 1, offset: 0, injectBrokerFault: inject });
await broker.idle();
await sleep(400);
const before = await heap();
const result = await runLoad(guard, {
  calls,
  concurrency: 100,
  seed: 2,
  offset: 1,
  injectBrokerFault: inject,
});
await broker.idle();
const violations = lifecycleViolations(broker, guard);
await sleep(400);
const after = await heap();
console.log(
  `fates ${JSON.stringify(result.fates)} mismatches ${result.mismatches.length} violations ${JSON.stringify(violations)}`,
);
console.log(
  `heap ${before} -> ${after} growth-bytes-per-call ${Math.max(0, Math.round((after - before) / calls))}`,
);
await guard.close();
process.exit(violations.length === 0 && result.mismatches.length === 0 ? 0 : 1);
