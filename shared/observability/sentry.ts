// Error monitoring (Sentry is a listed sub-processor). Initialised once, only when a DSN is set.
// Every event passes through a scrubber first: no request bodies, headers, cookies, tokens, user
// details, emails or names ever leave the process.
// The SDK is imported only when a DSN is set (it was the largest single cost of a cold start), and
// then in the background: a report waits for it to be ready.
import type { ErrorEvent, EventHint } from '@sentry/node';

let sentry: Promise<typeof import('@sentry/node')> | undefined;

export function initSentry(settings: { dsn?: string; environment: string }): void {
  if (sentry || !settings.dsn) return;
  sentry = import('@sentry/node').then((Sentry) => {
    init(Sentry, settings as { dsn: string; environment: string });
    return Sentry;
  });
  // A failed load surfaces where a report awaits it, not as an unhandled rejection at start-up.
  sentry.catch(() => undefined);
}

function init(Sentry: typeof import('@sentry/node'), settings: { dsn: string; environment: string }): void {
  Sentry.init({
    dsn: settings.dsn,
    environment: settings.environment,
    // Collect nothing about users or HTTP traffic in the first place; the scrubber is the second line.
    dataCollection: { userInfo: false, cookies: false, httpHeaders: false, httpBodies: [], urlQueryParams: false },
    tracesSampleRate: 0,
    maxBreadcrumbs: 20,
    beforeSend: (event: ErrorEvent, _hint: EventHint) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubValue(breadcrumb) as typeof breadcrumb,
  });
}

/** Reports an unexpected error and waits for it to be sent (a frozen worker would lose it). */
export async function captureUnexpected(error: unknown, tags: Record<string, string>): Promise<void> {
  if (!sentry) return;
  const Sentry = await sentry;
  Sentry.captureException(error, { tags });
  await Sentry.flush(2000);
}

/**
 * Reports an alert for ops (a message, not an error) with its tags, and waits for it to be sent.
 * Events with the same fingerprint are one issue in Sentry (a flow at risk by default).
 */
export async function captureAlert(
  message: string,
  tags: Record<string, string>,
  fingerprint = ['flow-at-risk', tags['instanceId'] ?? '', tags['step'] ?? '', tags['failingSince'] ?? ''],
): Promise<void> {
  if (!sentry) return;
  const Sentry = await sentry;
  Sentry.captureMessage(message, { level: 'error', tags, fingerprint });
  await Sentry.flush(2000);
}

const SENSITIVE_KEY =
  /^(authorization|cookie|cookies|set-cookie|password|secret|token|access_token|id_token|refresh_token|email|e-mail|name|firstname|lastname|fullname|displayname|phone|address|body|data|headers|query_string|ip_address|username|contacts|subject)$/i;
const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/gi;

/** Removes personal data from any value: sensitive keys are dropped, emails and tokens masked in text. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (depth > 12) return '[Truncated]';
  if (typeof value === 'string') return value.replace(JWT, '[Filtered token]').replace(BEARER, 'Bearer [Filtered]').replace(EMAIL, '[Filtered email]');
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SENSITIVE_KEY.test(key) ? '[Filtered]' : scrubValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const scrubbed = scrubValue({ ...event, request: undefined, user: undefined }) as ErrorEvent;
  if (event.user?.id) scrubbed.user = { id: '[Filtered]' };
  if (event.request) scrubbed.request = { method: event.request.method, url: event.request.url?.split('?')[0] ?? '' };
  return scrubbed;
}
