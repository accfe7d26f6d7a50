export { createLeakScanner, assertNoLeaks, TRUNCATION } from './leak-scanner/leak-scanner.js';
export type { LeakFinding, LeakScanner } from './leak-scanner/leak-scanner.js';
export type { LeakForm } from './leak-scanner/encodings.js';
export { startVaultServer } from './vault-server/server.js';
export type {
  VaultServer,
  VaultServerOptions,
  VaultServerStats,
  TokenInfo,
  LeaseInfo,
} from './vault-server/server.js';
export { createManualClock, systemClock } from './vault-server/clock.js';
export { seededRandom } from './seeded-random.js';
export type { Clock, ManualClock } from './vault-server/clock.js';
export type { Fault, FaultRule, FaultInjector } from './vault-server/faults.js';
export type { RequestLogEntry } from './vault-server/request-log.js';
export type { RevocationEvent } from './vault-server/state.js';
export type { DatabaseUser } from './vault-server/database.js';
