export { vaultBroker, CHILD_TOKEN_USES } from './vault-broker.js';
export type { VaultBroker, VaultBrokerStats } from './vault-broker.js';
export type { VaultBrokerOptions, VaultInjection } from './config.js';
export type { VaultBrokerEvent, RevocationOutcome } from './events.js';
export type { CircuitState } from './circuit-breaker.js';
export { VaultRequestError, RETRYABLE_STATUS } from './vault-error.js';
