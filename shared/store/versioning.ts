// Optimistic concurrency for corrections: every representation carries its version as an ETag,
// and a change must name the version it was based on (If-Match).
import { PreconditionFailedError, PreconditionRequiredError } from '../errors.js';

export interface Representation<T> {
  view: T;
  etag: string;
}

export const etagOf = (version: number): string => `"${version}"`;

export function requireVersion(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) {
    throw new PreconditionRequiredError('REQUEST.IF_MATCH_REQUIRED', 'Send If-Match with the ETag you read, so a correction never overwrites one you have not seen.');
  }
  const accepted = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!accepted.includes(etagOf(version)) && !accepted.includes('*')) {
    throw new PreconditionFailedError('RESOURCE.CHANGED', 'It changed since you read it; read it again and retry.');
  }
}
