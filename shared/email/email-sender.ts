// The one way the product sends email: through the tenant's region's Communication Services
// resource, at most once per idempotency key, with failures sorted into "retry" and "do not retry".
// A 429 holds back every instance until its Retry-After (a shared back-off, checked before each send).
import type { EmailClient, EmailClientOptions, EmailMessage } from '@azure/communication-email';
import { loadOnce } from '../azure/load-once.js';
import type { TokenCredential } from '@azure/core-auth';
import { REGIONS, type Config, type Region } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import { azureStatusOf } from '../azure/rest-error.js';
import { EmailDeliveryError } from './errors.js';
import { emailOperationId } from './operation-id.js';
import type { SendBackoff } from './send-backoff.js';

export interface EmailRecipient {
  name?: string;
  email: string;
}

export interface OutgoingEmail {
  /** The tenant's region: the message is sent by that region's Communication Services resource. */
  region: Region;
  /** Everyone on this list receives this one message; send one message per contact for "once per contact". */
  to: readonly EmailRecipient[];
  subject: string;
  text: string;
  html: string;
  /** Files sent with the message (e.g. a certificate as PDF and as JWS). */
  attachments?: readonly EmailAttachment[];
  /**
   * What identifies this send, stable across retries (e.g. `${instanceId}:notify:${contactId}`).
   * The same key never sends twice; reusing a key for a different message is refused by the service.
   */
  idempotencyKey: string;
}

export interface EmailAttachment {
  name: string;
  contentType: string;
  content: Uint8Array;
}

export interface SentReceipt {
  /** The send's operation id at Communication Services (the same for every retry of one idempotency key). */
  messageId: string;
  /** When this call saw the service confirm the send (a retry of an earlier send reports its own time). */
  sentAt: string;
}

/**
 * How the sender reaches Communication Services, chosen by the composition root: the app's identity
 * in Azure; the resource's access key (HMAC-signed requests) for the local stand-in, over plain HTTP.
 */
export type EmailConnection = { kind: 'identity'; credential: TokenCredential } | { kind: 'access-key'; accessKey: string; allowInsecureConnection: boolean };

/** Options that only tests or unusual hosts need. */
export interface EmailSenderOptions {
  clock?: Clock;
  /** Give up polling after this long (a retryable error; the retry re-polls the same operation). */
  pollTimeoutMs?: number;
  /** The back-off all instances share after a 429 (shared/email/send-backoff.ts); none: this instance only reports the 429. */
  backoff?: SendBackoff;
}

// SDK retries are off (maxRetries 0): the Durable activity's retry policy is the one place that decides
// how often and how far apart sends are tried. SDK retries inside an activity would multiply attempts
// (4 per activity attempt by default), hold the activity through up to a minute of backoff that the
// orchestration history does not show, and make the activity's duration unpredictable. Nothing is lost
// by leaving retries to Durable: every attempt carries the same Operation-Id, so re-running is safe.
const SDK_RETRY_OPTIONS = { maxRetries: 0 } as const;
// Communication Services usually completes a send within seconds; Retry-After on a poll overrides this.
const POLL_INTERVAL_MS = 1000;
const POLL_TIMEOUT_MS = 2 * 60 * 1000;
// A 429 without Retry-After still holds every instance back this long (the quota counts per minute).
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export class EmailSender {
  /** One client per region, made on first send (loading the SDK then). */
  readonly #clients: () => Promise<Record<Region, EmailClient>>;
  readonly #senderAddresses: Record<Region, string>;
  readonly #clock: Clock;
  readonly #pollTimeoutMs: number;
  readonly #backoff: SendBackoff | undefined;

  constructor(config: Pick<Config, 'regions'>, connection: EmailConnection, options: EmailSenderOptions = {}) {
    this.#backoff = options.backoff;
    this.#senderAddresses = Object.fromEntries(REGIONS.map((r) => [r, config.regions[r].emailSender])) as Record<Region, string>;
    this.#clock = options.clock ?? systemClock;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? POLL_TIMEOUT_MS;
    const clientOptions: EmailClientOptions = { retryOptions: SDK_RETRY_OPTIONS };
    const client = (Client: typeof import('@azure/communication-email').EmailClient, region: Region): EmailClient => {
      const endpoint = config.regions[region].emailEndpoint;
      if (connection.kind === 'identity') return new Client(endpoint, connection.credential, clientOptions);
      return new Client(`endpoint=${endpoint};accesskey=${connection.accessKey}`, {
        ...clientOptions,
        allowInsecureConnection: connection.allowInsecureConnection,
      });
    };
    this.#clients = loadOnce(async () => {
      const { EmailClient } = await import('@azure/communication-email');
      return Object.fromEntries(REGIONS.map((region) => [region, client(EmailClient, region)])) as Record<Region, EmailClient>;
    });
  }

  /**
   * Sends one message and waits until the service has accepted it for delivery. Throws
   * `EmailDeliveryError`: `retryable` says whether running the same send again may succeed.
   */
  async send(message: OutgoingEmail): Promise<SentReceipt> {
    const { region } = message;
    if (!REGIONS.includes(region)) throw invalid('the region is not one of ' + REGIONS.join(', '));
    if (message.idempotencyKey.trim() === '') throw invalid('the idempotency key is empty');
    if (message.to.length === 0) throw invalid('the message has no recipient');

    // Held back while the service's Retry-After runs, whichever instance was told: the quota is shared.
    const heldUntil = await this.#backoff?.until();
    const now = this.#clock.now();
    if (heldUntil && heldUntil.getTime() > now.getTime()) {
      const retryAfterSeconds = Math.ceil((heldUntil.getTime() - now.getTime()) / 1000);
      throw new EmailDeliveryError(
        'EMAIL.THROTTLED',
        true,
        `sends are held back until ${heldUntil.toISOString()}: the email service asked to slow down (429); retry later.`,
        { retryAfterSeconds },
      );
    }

    const operationId = emailOperationId(message.idempotencyKey);
    const body: EmailMessage = {
      senderAddress: this.#senderAddresses[message.region],
      recipients: {
        to: message.to.map((r) => (r.name === undefined ? { address: r.email } : { address: r.email, displayName: r.name })),
      },
      content: { subject: message.subject, plainText: message.text, html: message.html },
      ...(message.attachments?.length
        ? {
            attachments: message.attachments.map((a) => ({
              name: a.name,
              contentType: a.contentType,
              contentInBase64: Buffer.from(a.content).toString('base64'),
            })),
          }
        : {}),
      // Privacy notices are not marketing: no open or click tracking, even if the resource enables it.
      disableUserEngagementTracking: true,
    };

    try {
      const poller = await (await this.#clients())[region].beginSend(body, { operationId, updateIntervalInMs: POLL_INTERVAL_MS });
      const result = await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(this.#pollTimeoutMs) });
      return { messageId: result.id, sentAt: this.#clock.now().toISOString() };
    } catch (error) {
      const failure = this.#classify(error, region);
      if (failure.code === 'EMAIL.THROTTLED' && this.#backoff) {
        const seconds = failure.details.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
        // Recording the back-off is best effort: the 429 itself is what the caller must see and retry.
        await this.#backoff.holdUntil(new Date(this.#clock.now().getTime() + seconds * 1000)).catch(() => undefined);
      }
      throw failure;
    }
  }

  #classify(error: unknown, region: Region): EmailDeliveryError {
    const where = `the email service in ${region}`;
    if (error instanceof EmailDeliveryError) return error;
    // An operation that ends Failed or Canceled is not a RestError: core-lro (the SDK's poller, pinned with
    // @azure/communication-email 1.1.0) throws a plain Error "The long-running operation has failed. <code>.
    // <message>" or "Operation was canceled", from beginSend or pollUntilDone alike. Only the code is kept:
    // the service's message may quote recipients. A test pins this behaviour.
    const unsuccessful = /^The long-running operation has failed(?:\. ([^.\s]+)\.)?/.exec(errorMessage(error));
    if (errorName(error) !== 'RestError' && (unsuccessful !== null || errorMessage(error) === 'Operation was canceled')) {
      const code = safeToken(unsuccessful?.[1]);
      return new EmailDeliveryError(
        'EMAIL.SEND_FAILED',
        false,
        `${where} accepted the message, then reported the send as failed${code ? ` (${code})` : ''}.`,
        code ? { serviceCode: code } : {},
      );
    }
    if (errorName(error) === 'AbortError') {
      return new EmailDeliveryError(
        'EMAIL.UNAVAILABLE',
        true,
        `${where} did not complete the send within ${Math.round(this.#pollTimeoutMs / 1000)}s; a retry with the same idempotency key re-polls it and does not send twice.`,
      );
    }
    if (errorName(error) !== 'RestError') {
      // Credential acquisition and other unexpected failures: treated as transient, named by type only.
      return new EmailDeliveryError('EMAIL.UNEXPECTED', true, `sending through ${where} failed with ${safeToken(errorName(error)) ?? 'an unknown error'}.`);
    }

    const status = azureStatusOf(error);
    const service = serviceError(error);
    const serviceCode = service.code;
    const details = { ...(status === undefined ? {} : { status }), ...(serviceCode === undefined ? {} : { serviceCode }) };
    const described = [status, serviceCode].filter((p) => p !== undefined).join(' ');

    if (status === undefined) {
      // No HTTP answer: connection refused or reset, DNS, TLS. RestError.code names it (REQUEST_SEND_ERROR, ECONNRESET...).
      const transport = safeToken((error as { code?: unknown }).code);
      return new EmailDeliveryError('EMAIL.UNAVAILABLE', true, `could not reach ${where}${transport ? ` (${transport})` : ''}.`);
    }
    if (status === 429) {
      const retryAfterSeconds = retryAfterOf(error, this.#clock.now());
      return new EmailDeliveryError('EMAIL.THROTTLED', true, `${where} is throttling sends (${described}); retry later.`, {
        ...details,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
    }
    // 408 is a 4xx but says only that the request took too long: as transient as a 503.
    if (status >= 500 || status === 408) {
      return new EmailDeliveryError('EMAIL.UNAVAILABLE', true, `${where} is unavailable (${described}).`, details);
    }
    if (status === 401 || status === 403) {
      return new EmailDeliveryError(
        'EMAIL.NOT_AUTHORISED',
        false,
        `${where} refused our credentials (${described}): check EMAIL_ACCESS_KEY locally, or the managed identity's role on the Communication Services resource in Azure.`,
        details,
      );
    }
    const what = service.problems.length > 0 ? `: ${service.problems.join(', ')}` : '';
    const reuse = service.targets.some((t) => t.toLowerCase() === 'operation-id')
      ? '; the idempotency key was already used for a different message'
      : '';
    return new EmailDeliveryError('EMAIL.REJECTED', false, `${where} refused the message (${described}${what})${reuse}.`, details);
  }
}

function invalid(what: string): EmailDeliveryError {
  return new EmailDeliveryError('EMAIL.INVALID_MESSAGE', false, `not sent: ${what}.`);
}

/**
 * The service's error code and what it points at (`recipients`, `content.subject`, detail codes such as
 * `InvalidEmailAddress`), read from the `{ error: { code, target, details } }` body. Free-text messages are
 * never used: they may quote addresses.
 */
function serviceError(error: unknown): { code?: string; problems: string[]; targets: string[] } {
  const body = (error as { details?: unknown }).details;
  const inner = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const code = safeToken(inner?.['code']) ?? safeToken((error as { code?: unknown }).code);
  const problems = new Set<string>();
  const targets = new Set<string>();
  const describe = (detail: unknown): void => {
    if (!isRecord(detail)) return;
    const detailCode = safeToken(detail['code']);
    const target = safeToken(detail['target']);
    if (target !== undefined) targets.add(target);
    const problem = [detailCode !== code ? detailCode : undefined, target === undefined ? undefined : `at ${target}`]
      .filter((p) => p !== undefined)
      .join(' ');
    if (problem) problems.add(problem);
  };
  const details = inner?.['details'];
  if (Array.isArray(details) && details.length > 0) details.forEach(describe);
  else describe(inner);
  return { ...(code === undefined ? {} : { code }), problems: [...problems], targets: [...targets] };
}

function retryAfterOf(error: unknown, now: Date): number | undefined {
  const headers = (error as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response?.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** A value safe to put in a message: a short token with no spaces and no `@` (so never an address). */
function safeToken(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.\-[\]:]{1,64}$/.test(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : '';
}
