import {
  metrics,
  trace,
  ValueType,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
  type UpDownCounter,
} from '@opentelemetry/api';
import { VERSION } from '../version.js';
import {
  METRIC_ACQUIRE_DURATION,
  METRIC_LEASES_ACTIVE,
  METRIC_LEASES_DENIED,
  METRIC_LEASES_GRANTED,
  METRIC_LEASES_REVOKED,
} from './semconv.js';

export interface Instruments {
  tracer: Tracer;
  granted: Counter;
  denied: Counter;
  revoked: Counter;
  active: UpDownCounter;
  acquireDuration: Histogram;
}

const SCOPE = '@agent-lease/core';

/** Through @opentelemetry/api only: without an SDK every instrument is a no-op. Attributes stay low-cardinality. */
export function createInstruments(options: {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}): Instruments {
  const tracer = (options.tracerProvider ?? trace).getTracer(SCOPE, VERSION);
  const meter = (options.meterProvider ?? metrics).getMeter(SCOPE, VERSION);
  const int = { valueType: ValueType.INT };
  return {
    tracer,
    granted: meter.createCounter(METRIC_LEASES_GRANTED, { ...int, description: 'Leases granted' }),
    denied: meter.createCounter(METRIC_LEASES_DENIED, { ...int, description: 'Lease requests denied' }),
    revoked: meter.createCounter(METRIC_LEASES_REVOKED, { ...int, description: 'Leases revoked' }),
    active: meter.createUpDownCounter(METRIC_LEASES_ACTIVE, { ...int, description: 'Live leases' }),
    acquireDuration: meter.createHistogram(METRIC_ACQUIRE_DURATION, {
      unit: 's',
      description: 'Time to acquire a lease from the broker',
      advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] },
    }),
  };
}
