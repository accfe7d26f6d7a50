import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Redact } from './redact-source.js';
import { scrubAttributesCopy } from './scrub-attributes.js';

export type Resource = ReadableSpan['resource'];

/**
 * A resource whose attributes are scrubbed (e.g. `process.command_args` from the process detector: a secret
 * passed on the command line would otherwise go out with every batch). Hand-written instead of
 * `resourceFromAttributes` so this package does not pin its own copy of `@opentelemetry/resources`; the interface
 * is small and the exporters only read `attributes` and `schemaUrl`. Returns the input when nothing changed.
 */
export function scrubResource(redact: Redact, resource: Resource): Resource {
  if (resource.asyncAttributesPending === true) {
    // Async detectors may still add attributes; an unsettled snapshot could miss them, so export none.
    return scrubbedResource({}, resource.schemaUrl);
  }
  const attributes = resource.attributes;
  const clean = scrubAttributesCopy(redact, attributes);
  if (sameAttributes(attributes, clean)) return resource;
  return scrubbedResource(clean, resource.schemaUrl);
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

function scrubbedResource(attributes: Attributes, schemaUrl: string | undefined): Resource {
  const resource: Resource = {
    attributes,
    asyncAttributesPending: false,
    ...(schemaUrl !== undefined ? { schemaUrl } : {}),
    waitForAsyncAttributes: () => Promise.resolve(),
    getRawAttributes: () => Object.entries(attributes),
    merge: (other) =>
      scrubbedResource({ ...attributes, ...(other?.attributes ?? {}) }, schemaUrl ?? other?.schemaUrl),
  };
  return resource;
}
