// Reading a JSON request body safely: only `application/json`, refused from Content-Length before
// a byte is read when it is too large, counted while streaming when the length is not given, and
// checked for nesting depth before it is parsed. Runs only after the caller is authorised.
import type { HttpRequest } from '@azure/functions';
import { DomainError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly title = 'Request body too large';
}

export interface BodyLimits {
  bodyBytes: number;
  jsonDepth: number;
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;.*)?$/i;

export async function readJsonBody(request: HttpRequest, limits: BodyLimits): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limits.bodyBytes) throw tooLarge(limits);
  if (declared === '0' || request.body === null) throw new ValidationError([{ path: '', message: 'A JSON body is required.' }]);
  if (!JSON_MEDIA_TYPE.test(type.trim())) throw new UnsupportedMediaTypeError('REQUEST.MEDIA_TYPE', 'Send the body as application/json.');
  const text = await readText(request.body, limits);
  if (text.trim() === '') throw new ValidationError([{ path: '', message: 'A JSON body is required.' }]);
  if (jsonDepth(text) > limits.jsonDepth) {
    throw new ValidationError([{ path: '', message: `The body nests objects and arrays more than ${limits.jsonDepth} levels deep.` }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError([{ path: '', message: 'The body is not valid JSON.' }]);
  }
}

/**
 * Throws away a body nobody read (a refusal before it: 401, 403, 413 from Content-Length; a body on a
 * route that takes none) before the answer goes out, for the reason given at `discardRest`. Bounded
 * like `discardRest`: nothing is kept, and an endless body is cut.
 */
export async function discardUnreadBody(request: HttpRequest, limits: BodyLimits): Promise<void> {
  if (request.body === null || request.bodyUsed || request.body.locked) return;
  await discardRest(request.body.getReader(), DISCARD_AT_MOST * limits.bodyBytes).catch(() => undefined);
}

async function readText(body: ReadableStream<Uint8Array>, limits: BodyLimits): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.bodyBytes) {
      await discardRest(reader, DISCARD_AT_MOST * limits.bodyBytes);
      throw tooLarge(limits);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** How much more than the limit is read and thrown away before the connection is cut instead. */
const DISCARD_AT_MOST = 64;

/**
 * Reads and throws away the rest of a refused body before answering, as a proxy does: a connection
 * closed with unread bytes in it is reset, and the reset can destroy the 413 on its way to the
 * caller. Nothing is kept; past `maxBytes` the body is abandoned and the connection cut after all.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<void> {
  let discarded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    discarded += value.byteLength;
    if (discarded > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}

function tooLarge(limits: BodyLimits): PayloadTooLargeError {
  return new PayloadTooLargeError('REQUEST.TOO_LARGE', `The body is larger than ${limits.bodyBytes} bytes.`);
}

/** The deepest nesting of objects and arrays in JSON text, found in one pass without parsing. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
