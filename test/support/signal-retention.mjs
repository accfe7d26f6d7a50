/* global process, console, setTimeout, AbortController */
// Heap left behind per guarded call once everything is over (no lease, values unregistered after a 1 ms grace).
// Run with --expose-gc. Prints "retained-bytes-per-call N".
import { createGuard, localBroker } from '@agent-lease/core';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function heap() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}
const guard = createGuard({
  agent: { id: 'retention' },
  broker: localBroker({ credentials: { svc: { value: 'retention-check-value-0123' } } }),
  grants: { svc: { scopes: ['*'], maxTtl: '1m' } },
  redaction: { grace: '1ms' },
});
const call = () =>
  guard.withLease(
    { tool: 't', needs: { credential: 'svc', scopes: ['x'] }, signal: new AbortController().signal },
    () => 1,
  );
for (let i = 0; i < 2000; i++) await call();
await sleep(50);
const before = await heap();
const n = 20000;
for (let i = 0; i < n; i++) await call();
await sleep(50);
const after = await heap();
console.log(`retained-bytes-per-call ${Math.max(0, Math.round((after - before) / n))}`);
await guard.close();
