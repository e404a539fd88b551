// Optimistic concurrency for corrections: every representation carries its version as an ETag,
// and a change must name the version it was based on (If-Match).
import { PreconditionFailedError, PreconditionRequiredError, ValidationError } from '../errors.js';

export interface Representation<T> {
  view: T;
  etag: string;
}

export const etagOf = (version: number): string => `"${version}"`;

/**
 * A change applied to whatever version is current, by the system itself (the DSAR workflow carrying
 * out a rectification the controller asked for). HTTP callers cannot send it: they name an ETag.
 */
export const CURRENT_VERSION = Symbol('current version');

export function requireVersion(ifMatch: string | typeof CURRENT_VERSION | undefined, version: number): void {
  if (ifMatch === CURRENT_VERSION) return;
  if (ifMatch === undefined) {
    throw new PreconditionRequiredError(
      'REQUEST.IF_MATCH_REQUIRED',
      'Send If-Match with the ETag you read, so a correction never overwrites one you have not seen.',
    );
  }
  // Exactly one strong ETag: `*` or a list would let a correction through without naming what it saw.
  if (!/^"\d{1,15}"$/.test(ifMatch.trim())) {
    throw new ValidationError([{ path: 'header:If-Match', message: 'must be the one ETag you read, such as "3" (not * or a list)' }]);
  }
  if (ifMatch.trim() !== etagOf(version)) {
    throw new PreconditionFailedError('RESOURCE.CHANGED', 'It changed since you read it; read it again and retry.');
  }
}
