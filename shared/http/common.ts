// Small pieces every route file shares: the tenant path parameter and an ETag'd representation.
import { z } from 'zod';
import type { Representation } from '../store/versioning.js';
import type { EndpointResult } from './endpoint.js';
import { tenantIdSchema } from './text.js';

export const tenantParams = z.object({ tenantId: tenantIdSchema });

/** A versioned resource as a response: its view as the body, its version as the ETag. */
export function withEtag<T>(status: number, rep: Representation<T>, extraHeaders: Record<string, string> = {}): EndpointResult & { body: T } {
  return { status, body: rep.view, headers: { etag: rep.etag, ...extraHeaders } };
}
