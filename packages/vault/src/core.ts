/** The one place this package touches @agent-lease/core, so the contract it depends on is easy to see. */
export { BrokerUnavailableError, InvalidConfigError, LeaseAbortedError } from '@agent-lease/core';
export type { Broker, BrokerLease, Injection, LeaseRequest } from '@agent-lease/core';
