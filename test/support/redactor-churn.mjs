/* global process, console, performance */
// Registers and unregisters leased values the way a long-running guard does: a sliding window of live values
// (each lease's values are unregistered when its redaction grace ends). Run as a child process: a corrupt index
// loops forever, and only a process can be stopped from outside. Prints "done <ms>" when it completes.
import { randomUUID } from 'node:crypto';
import { createRedactor } from '@agent-lease/core';

const steps = Number(process.argv[2] ?? 50_000);
const window = Number(process.argv[3] ?? 300);
const started = performance.now();
const redactor = createRedactor();
const live = [];
let seed = Number(process.argv[4] ?? 1);
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
for (let i = 0; i < steps; i++) {
  live.push(redactor.register(`lv-${randomUUID()}`, 'svc'));
  // Graces end roughly in order, but calls end out of order: remove a random one of the oldest half.
  if (live.length > window) live.splice(Math.floor(rand() * (window / 2)), 1)[0]();
}
for (const u of live) u();
console.log(`done ${Math.round(performance.now() - started)}`);
