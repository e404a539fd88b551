// Local stand-in for Azure Communication Services Email: the real `EmailClient` (@azure/communication-email)
// sends to it, it verifies the ACS HMAC signature, and it keeps every accepted message in an outbox.
//
// Client configuration (product code changes nothing but the connection string and, over plain HTTP, one option):
//   new EmailClient(standIn.connectionString, { allowInsecureConnection: true })
//   // connectionString = "endpoint=http://127.0.0.1:PORT/;accesskey=BASE64KEY"
//
// Idempotency. @azure/communication-email 1.1.0 sends an `Operation-Id` header only when the caller passes
// `beginSend(message, { operationId })`; without it the service mints a fresh id and a retried send (activity
// re-run, worker restart) is a second email. The SDK serializes `operationId` as a Uuid and throws before
// sending if it is not one, so product code must derive a deterministic UUID from what identifies the send,
// e.g. the orchestration instance id and step: sha256(`${instanceId}:${step}`) cut to 16 bytes, with the
// version nibble set to 5 and the variant bits to 10xx, formatted 8-4-4-4-12. A repeated send with the same
// operation id records nothing new and answers with the original operation.
// The service also documents OASIS repeatable requests (`Repeatability-Request-Id` + `Repeatability-First-Sent`,
// tracked for 5 minutes); the JS SDK does not send them, but this stand-in honours them for raw HTTP callers.
// Both mechanisms answer 400 when an id is reused for a different message: that is what the service documents for
// repeatable requests, and for Operation-Id it is our choice, so a non-deterministic retry shows up in tests.
//
// Deliberate differences from the real service: x-ms-date freshness is not checked (the local host may move a
// virtual clock between signing and checking), nothing is delivered, and the operation is already complete
// when the first poll arrives.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface SentEmail {
  id: string;
  operationId: string;
  senderAddress: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
  /** Attachment metadata and a SHA-256 of the content (hex); the content itself is not kept. */
  attachments?: { name: string; contentType: string; sizeBytes: number; sha256?: string }[];
  replyTo?: string[];
  /** ISO 8601 UTC, read from the (possibly virtual) clock when the send was accepted. */
  sentAt: string;
}

export interface EmailStandIn {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:51234 */
  url: string;
  /** `endpoint=<url>/;accesskey=<key>`, the form `new EmailClient(connectionString, options)` parses. */
  connectionString: string;
  /** Every accepted message, newest last (a copy). */
  outbox(): SentEmail[];
  /** Make the next `n` sends answer 503 (same as `POST /faults {"failNext": n}`). */
  setFailNext(n: number): void;
  close(): Promise<void>;
}

export interface EmailStandInOptions {
  host?: string;
  port?: number;
  /** Base64 HMAC key; a random one when absent. */
  accessKey?: string;
  /** When given, the outbox and the operation ids survive a restart. */
  stateFile?: string;
  /** Number of upcoming sends to answer with 503. */
  failNext?: number;
}

const API_VERSION_DEFAULT = '2025-09-01';
const MAX_REQUEST_BYTES = 10 * 1024 * 1024; // the service's documented 10 MB request limit
const REPEATABILITY_WINDOW_MS = 5 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const emailAddress = z.object({ address: z.string(), displayName: z.string().optional() });
const emailMessage = z.object({
  headers: z.record(z.string(), z.string()).optional(),
  senderAddress: z.string().optional(),
  content: z
    .object({ subject: z.string().optional(), plainText: z.string().optional(), html: z.string().optional() })
    .optional(),
  recipients: z
    .object({
      to: z.array(emailAddress).optional(),
      cc: z.array(emailAddress).optional(),
      bcc: z.array(emailAddress).optional(),
    })
    .optional(),
  attachments: z
    .array(z.object({ name: z.string(), contentType: z.string(), contentInBase64: z.string() }))
    .optional(),
  replyTo: z.array(emailAddress).optional(),
  userEngagementTrackingDisabled: z.boolean().optional(),
});
type EmailMessageBody = z.infer<typeof emailMessage>;

const operationRecord = z.object({
  id: z.string(),
  messageId: z.string(),
  requestHash: z.string(),
  createdAt: z.string(),
  /** The service dropped the message: every recipient is on the suppression list (a hard bounce). */
  failed: z.string().optional(),
});
type OperationRecord = z.infer<typeof operationRecord>;

const repeatabilityRecord = z.object({
  requestId: z.string(),
  firstSentMs: z.number(),
  requestHash: z.string(),
  operationId: z.string(),
});
type RepeatabilityRecord = z.infer<typeof repeatabilityRecord>;

const sentEmail: z.ZodType<SentEmail> = z.object({
  id: z.string(),
  operationId: z.string(),
  senderAddress: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()),
  attachments: z
    .array(z.object({ name: z.string(), contentType: z.string(), sizeBytes: z.number(), sha256: z.string().optional() }))
    .optional(),
  replyTo: z.array(z.string()).optional(),
  sentAt: z.string(),
});

const stateSchema = z.object({
  version: z.literal(1),
  messages: z.array(sentEmail),
  operations: z.array(operationRecord),
  repeatability: z.array(repeatabilityRecord),
});
type State = z.infer<typeof stateSchema>;

/**
 * `failNext`: the next n sends answer 503. `suppress`: addresses on the service's suppression list
 * (they bounced before): a message to them only is accepted, then its operation ends Failed, as
 * Azure Communication Services does (EmailDroppedAllRecipientsSuppressed), and it is not delivered.
 */
const faultsBody = z
  .object({ failNext: z.number().int().min(0).optional(), suppress: z.array(z.string()).optional() })
  .refine((b) => b.failNext !== undefined || b.suppress !== undefined);

interface AcsErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/** The service's error body: `{ error: { code, message, target?, details? } }`. */
class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: AcsErrorDetail[] = [],
    readonly target?: string,
  ) {
    super(message);
  }

  body(): { error: AcsErrorDetail & { details?: AcsErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.target === undefined ? {} : { target: this.target }),
        ...(this.details.length === 0 ? {} : { details: this.details }),
      },
    };
  }
}

export async function startEmail(options: EmailStandInOptions = {}): Promise<EmailStandIn> {
  const host = options.host ?? '127.0.0.1';
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const hmacKey = Buffer.from(accessKey, 'base64');
  const stateFile = options.stateFile;
  const state: State = stateFile === undefined ? emptyState() : loadState(stateFile);
  const operations = new Map<string, OperationRecord>(state.operations.map((op) => [op.id.toLowerCase(), op]));
  let failNext = nonNegativeInt(options.failNext ?? 0, 'failNext');
  const suppressed = new Set<string>();

  function persist(): void {
    if (stateFile === undefined) return;
    state.operations = [...operations.values()];
    const cutoff = Date.now() - REPEATABILITY_WINDOW_MS;
    state.repeatability = state.repeatability.filter((r) => r.firstSentMs >= cutoff);
    writeAtomically(stateFile, JSON.stringify(state, null, 2));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = (queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt)).replace(/^\/+/, '/');
    const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);

    if (path === '/emails:send') {
      if (method !== 'POST') throw methodNotAllowed();
      verifySignature(req, rawUrl, body, hmacKey);
      return send(req, res, query, body);
    }
    const operationMatch = /^\/emails\/operations\/([^/]+)$/.exec(path);
    if (operationMatch?.[1] !== undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      verifySignature(req, rawUrl, body, hmacKey);
      const id = decodeURIComponent(operationMatch[1]);
      const op = operations.get(id.toLowerCase());
      if (op === undefined) throw new AcsError(404, 'NotFound', `No email send operation with id ${id}.`);
      if (op.failed)
        return json(res, 200, {
          id: op.id,
          status: 'Failed',
          error: { code: op.failed, message: 'The message was dropped: every recipient is suppressed.' },
        });
      return json(res, 200, { id: op.id, status: 'Succeeded', error: null });
    }
    if (path === '/outbox') {
      if (method !== 'GET') throw methodNotAllowed();
      return json(res, 200, state.messages);
    }
    if (path === '/faults') {
      if (method === 'GET') return json(res, 200, { failNext, suppress: [...suppressed] });
      if (method !== 'POST') throw methodNotAllowed();
      const parsed = faultsBody.safeParse(parseJson(body));
      if (!parsed.success) throw new AcsError(400, 'BadRequest', 'Expected {"failNext": <non-negative integer>} and/or {"suppress": [<address>, ...]}.');
      if (parsed.data.failNext !== undefined) failNext = parsed.data.failNext;
      for (const address of parsed.data.suppress ?? []) suppressed.add(address.toLowerCase());
      return json(res, 200, { failNext, suppress: [...suppressed] });
    }
    throw new AcsError(404, 'NotFound', `No route for ${method} ${path}.`);
  }

  function send(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, body: Buffer): void {
    if (failNext > 0) {
      failNext -= 1;
      throw new AcsError(503, 'ServiceUnavailable', 'Injected fault: the email service is unavailable (failNext).');
    }
    const message = validate(parseJson(body));
    const requestHash = createHash('sha256').update(canonicalJson(message)).digest('hex');
    const apiVersion = query.get('api-version') ?? API_VERSION_DEFAULT;

    const operationIdHeader = singleHeader(req, 'operation-id');
    if (operationIdHeader !== undefined && !UUID.test(operationIdHeader)) {
      throw new AcsError(400, 'BadRequest', 'The Operation-Id header must be a GUID.', [], 'Operation-Id');
    }
    const repeat = repeatability(req);

    let existing: OperationRecord | undefined;
    if (operationIdHeader !== undefined) existing = operations.get(operationIdHeader.toLowerCase());
    if (existing === undefined && repeat !== undefined) {
      const seen = state.repeatability.find((r) => r.requestId.toLowerCase() === repeat.requestId.toLowerCase());
      if (seen !== undefined) {
        if (seen.requestHash !== requestHash) {
          throw new AcsError(400, 'BadRequest', 'Repeatability-Request-Id was already used for a different request.');
        }
        existing = operations.get(seen.operationId.toLowerCase());
      }
    }
    if (existing !== undefined) {
      if (existing.requestHash !== requestHash) {
        throw new AcsError(
          400,
          'BadRequest',
          `Operation-Id ${existing.id} was already used for a different message; a retried send must repeat the same message.`,
          [],
          'Operation-Id',
        );
      }
      return accepted(req, res, existing.id, apiVersion);
    }

    const operationId = operationIdHeader ?? randomUUID();
    const record: SentEmail = toSentEmail(message, operationId);
    const recipients = [...(message.recipients?.to ?? []), ...(message.recipients?.cc ?? []), ...(message.recipients?.bcc ?? [])];
    const dropped = recipients.every((r) => suppressed.has(r.address.toLowerCase()));
    if (!dropped) state.messages.push(record);
    operations.set(operationId.toLowerCase(), {
      id: operationId,
      messageId: record.id,
      requestHash,
      createdAt: record.sentAt,
      ...(dropped ? { failed: 'EmailDroppedAllRecipientsSuppressed' } : {}),
    });
    if (repeat !== undefined) {
      state.repeatability.push({ ...repeat, requestHash, operationId });
    }
    persist();
    return accepted(req, res, operationId, apiVersion);
  }

  function repeatability(req: IncomingMessage): { requestId: string; firstSentMs: number } | undefined {
    const requestId = singleHeader(req, 'repeatability-request-id');
    const firstSent = singleHeader(req, 'repeatability-first-sent');
    if (requestId === undefined && firstSent === undefined) return undefined;
    const firstSentMs = firstSent === undefined ? Number.NaN : Date.parse(firstSent);
    if (requestId === undefined || !UUID.test(requestId) || Number.isNaN(firstSentMs)) {
      throw new AcsError(
        400,
        'BadRequest',
        'Repeatable requests need a GUID Repeatability-Request-Id and an IMF-fixdate Repeatability-First-Sent.',
      );
    }
    if (Date.now() - firstSentMs > REPEATABILITY_WINDOW_MS) {
      throw new AcsError(412, 'PreconditionFailed', 'Repeatability-First-Sent header is not within the 5 minute window.');
    }
    return { requestId, firstSentMs };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof AcsError) {
        json(res, err.status, err.body());
      } else {
        const message = err instanceof Error ? err.message : String(err);
        json(res, 500, { error: { code: 'InternalServerError', message: `Email stand-in failure: ${message}` } });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    connectionString: `endpoint=${url}/;accesskey=${accessKey}`,
    outbox: () => structuredClone(state.messages),
    setFailNext: (n: number) => {
      failNext = nonNegativeInt(n, 'failNext');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function validate(input: unknown): EmailMessageBody {
  const parsed = emailMessage.safeParse(input);
  if (!parsed.success) {
    throw new AcsError(
      400,
      'BadRequest',
      'The request body is not a valid email message.',
      parsed.error.issues.map((issue) => ({
        code: 'InvalidValue',
        message: issue.message,
        target: issue.path.join('.'),
      })),
    );
  }
  const message = parsed.data;
  const details: AcsErrorDetail[] = [];
  if (!message.senderAddress?.trim()) {
    details.push({ code: 'MissingSender', message: 'senderAddress is required.', target: 'senderAddress' });
  }
  if (!message.content?.subject?.trim()) {
    details.push({ code: 'MissingSubject', message: 'content.subject is required.', target: 'content.subject' });
  }
  if (message.content !== undefined && message.content.plainText === undefined && message.content.html === undefined) {
    details.push({ code: 'MissingBody', message: 'content needs plainText or html.', target: 'content' });
  }
  const all = [...(message.recipients?.to ?? []), ...(message.recipients?.cc ?? []), ...(message.recipients?.bcc ?? [])];
  if (all.length === 0) {
    details.push({ code: 'MissingRecipients', message: 'At least one recipient is required.', target: 'recipients' });
  }
  for (const recipient of all) {
    if (!/^[^\s@]+@[^\s@]+$/.test(recipient.address)) {
      details.push({ code: 'InvalidEmailAddress', message: `"${recipient.address}" is not an email address.`, target: 'recipients' });
    }
  }
  const first = details[0];
  if (first !== undefined) throw new AcsError(400, 'BadRequest', first.message, details, first.target);
  return message;
}

function toSentEmail(message: EmailMessageBody, operationId: string): SentEmail {
  const addresses = (list: { address: string }[] | undefined): string[] => (list ?? []).map((r) => r.address);
  const sent: SentEmail = {
    id: randomUUID(),
    operationId,
    senderAddress: message.senderAddress ?? '',
    to: addresses(message.recipients?.to),
    cc: addresses(message.recipients?.cc),
    bcc: addresses(message.recipients?.bcc),
    subject: message.content?.subject ?? '',
    headers: message.headers ?? {},
    sentAt: new Date().toISOString(),
  };
  if (message.content?.plainText !== undefined) sent.text = message.content.plainText;
  if (message.content?.html !== undefined) sent.html = message.content.html;
  if (message.attachments !== undefined) {
    sent.attachments = message.attachments.map((a) => ({
      name: a.name,
      contentType: a.contentType,
      sizeBytes: Buffer.from(a.contentInBase64, 'base64').length,
      sha256: createHash('sha256').update(Buffer.from(a.contentInBase64, 'base64')).digest('hex'),
    }));
  }
  if (message.replyTo !== undefined) sent.replyTo = addresses(message.replyTo);
  return sent;
}

function accepted(req: IncomingMessage, res: ServerResponse, operationId: string, apiVersion: string): void {
  const location = `http://${req.headers.host ?? '127.0.0.1'}/emails/operations/${operationId}?api-version=${encodeURIComponent(apiVersion)}`;
  json(res, 202, { id: operationId, status: 'Running', error: null }, { 'operation-location': location });
}

/**
 * Recomputes the signature the SDK's CommunicationAccessKeyCredentialPolicy (@azure/communication-common) makes:
 * HMAC-SHA256 with the base64-decoded key over `VERB\n<path>?<query>\n<signed header values joined by ';'>`,
 * where the query is re-serialized by URLSearchParams and the signed headers are x-ms-date;host;x-ms-content-sha256.
 */
function verifySignature(req: IncomingMessage, rawUrl: string, body: Buffer, key: Buffer): void {
  const authorization = singleHeader(req, 'authorization');
  if (authorization === undefined) throw unauthorized('Missing Authorization header (expected HMAC-SHA256).');
  const match = /^HMAC-SHA256\s+SignedHeaders=([^&]+)&Signature=(.+)$/i.exec(authorization.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    throw unauthorized('Authorization header is not of the form "HMAC-SHA256 SignedHeaders=...&Signature=...".');
  }
  const signedHeaders = match[1].split(';').map((h) => h.trim().toLowerCase());
  for (const required of ['host', 'x-ms-content-sha256']) {
    if (!signedHeaders.includes(required)) throw unauthorized(`SignedHeaders must include ${required}.`);
  }
  if (!signedHeaders.includes('x-ms-date') && !signedHeaders.includes('date')) {
    throw unauthorized('SignedHeaders must include x-ms-date.');
  }
  const values: string[] = [];
  for (const name of signedHeaders) {
    const value = singleHeader(req, name);
    if (value === undefined) throw unauthorized(`Signed header ${name} is missing from the request.`);
    values.push(value);
  }
  const contentHash = createHash('sha256').update(body).digest('base64');
  if (singleHeader(req, 'x-ms-content-sha256') !== contentHash) {
    throw unauthorized('x-ms-content-sha256 does not match the SHA-256 of the request body.');
  }
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)).toString();
  const pathAndQuery = query ? `${path}?${query}` : path;
  const stringToSign = `${(req.method ?? '').toUpperCase()}\n${pathAndQuery}\n${values.join(';')}`;
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(match[2], 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized('HMAC signature does not match: wrong access key, or the request was altered after signing.');
  }
}

function unauthorized(message: string): AcsError {
  return new AcsError(401, 'Denied', message);
}

function methodNotAllowed(): AcsError {
  return new AcsError(405, 'MethodNotAllowed', 'Method not allowed on this route.');
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new AcsError(413, 'RequestTooLarge', 'The request exceeds the 10 MB limit.'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new AcsError(400, 'BadRequest', 'The request body is not valid JSON.');
  }
}

/** JSON with object keys sorted, so the same message always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(payload);
}

function nonNegativeInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

function emptyState(): State {
  return { version: 1, messages: [], operations: [], repeatability: [] };
}

function loadState(file: string): State {
  if (!existsSync(file)) return emptyState();
  const raw = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw) as unknown;
  } catch (err) {
    throw new Error(`Email stand-in state file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const result = stateSchema.safeParse(parsed);
  // Refuse to start rather than silently dropping the history a test or a developer relies on.
  if (!result.success) throw new Error(`Email stand-in state file ${file} has an unexpected shape: ${result.error.message}`);
  return result.data;
}

/** Temp file + rename, so a crash mid-write never leaves a truncated outbox. */
function writeAtomically(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, content, 'utf8');
  renameSync(temp, file);
}
