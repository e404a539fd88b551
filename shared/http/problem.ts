// The one mapping from errors to RFC 9457 problem documents. Expected failures keep their status
// and stable code; anything else is a 500 that says only the correlation id.
import type { HttpResponseInit } from '@azure/functions';
import { z, type ZodError } from 'zod';
import { DomainError, isTransient, ValidationError, type FieldError } from '../errors.js';

/** The body of every refusal, as documented in the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    code: z.string().meta({ description: 'Stable error code, e.g. TENANT.NOT_FOUND' }),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'One entry per field at fault (400)' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemResponse(error: unknown, requestId: string): HttpResponseInit {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId };
    // Busy (429) or unavailable (503): when to try again.
    if (isTransient(error)) headers['retry-after'] = String(error.retryAfterSeconds);
    return {
      status: error.status,
      headers,
      body: JSON.stringify({
        ...error.extensions,
        type: `urn:privacy-ops:problem:${error.code}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        code: error.code,
        requestId,
        ...(error.errors ? { errors: error.errors } : {}),
      }),
    };
  }
  return {
    status: 500,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId },
    body: JSON.stringify({
      type: 'urn:privacy-ops:problem:INTERNAL',
      title: 'Something went wrong on our side',
      status: 500,
      detail: `The request failed unexpectedly; quote request id ${requestId} to support.`,
      code: 'INTERNAL',
      requestId,
    }),
  };
}

/** Zod issues as field errors, with `where` (`path:`, `query:`, `header:`) prefixed outside the body. */
export function validationError(error: ZodError, where: 'body' | 'path' | 'query' | 'header'): ValidationError {
  const errors: FieldError[] = error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    const path = unknownKeys && unknownKeys.length > 0 ? [field, unknownKeys[0]].filter((p) => p).join('.') : field;
    return { path: where === 'body' ? path : `${where}:${path}`, message: issue.message };
  });
  return new ValidationError(errors);
}
