// The email sender driven end to end: the real @azure/communication-email client against the local
// Communication Services stand-in (one per region), plus a scripted service for the answers the
// stand-in cannot give (429 with Retry-After, an operation that ends Failed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from '../../shared/config.js';
import { connectionsFor, createServices } from '../../shared/composition.js';
import type { Clock } from '../../shared/clock.js';
import { EmailSender, type OutgoingEmail } from '../../shared/email/email-sender.js';
import { EmailDeliveryError } from '../../shared/email/errors.js';
import { emailOperationId, uuidV5 } from '../../shared/email/operation-id.js';
import { renderEmail } from '../../shared/email/render.js';
import { startEmail, type EmailStandIn } from '../../dev/standins/email.js';

const ACCESS_KEY = randomBytes(32).toString('base64');
const SENT_AT = '2031-03-04T05:06:07.000Z';
const fixedClock: Clock = { now: () => new Date(SENT_AT) };

function exampleSettings(): Record<string, string> {
  return (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
}

function configFor(endpoints: { uksouth: string; eu: string }, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...exampleSettings(),
    EMAIL_ENDPOINT_UKSOUTH: endpoints.uksouth,
    EMAIL_ENDPOINT_EU: endpoints.eu,
    EMAIL_ACCESS_KEY: ACCESS_KEY,
    ...overrides,
  });
}

function senderFor(config: Config): EmailSender {
  return new EmailSender(config, connectionsFor(config, fixedClock).email, { clock: fixedClock });
}

let counter = 0;
/** A breach-notice-like message to one nominated contact, with a fresh idempotency key unless given. */
function notice(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const n = ++counter;
  return {
    region: 'uksouth',
    to: [{ name: `Dana Contact ${n}`, email: `dpo.${n}@customer.test` }],
    subject: `Personal data breach notice ${n}`,
    text: `We are notifying you of breach ${n}.\n`,
    html: `<p>We are notifying you of breach ${n}.</p>\n`,
    idempotencyKey: `breach-${randomUUID()}:notify:contact-${n}`,
    ...overrides,
  };
}

async function deliveryError(promise: Promise<unknown>): Promise<EmailDeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EmailDeliveryError, `expected an EmailDeliveryError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the send to fail');
}

/** Asserts that nothing personal from the message made it into the error. */
function assertNoPersonalData(error: Error, message: OutgoingEmail): void {
  for (const recipient of message.to) {
    assert.ok(!error.message.includes(recipient.email), 'the error does not quote the address');
    if (recipient.name) assert.ok(!error.message.includes(recipient.name), 'the error does not quote the name');
  }
  assert.ok(!error.message.includes(message.subject), 'the error does not quote the subject');
  assert.ok(!error.message.includes(message.text.trim()), 'the error does not quote the body');
  assert.doesNotMatch(error.message, /@/);
}

describe('email sender against the Communication Services stand-in', () => {
  let uk: EmailStandIn;
  let eu: EmailStandIn;
  let sender: EmailSender;

  before(async () => {
    uk = await startEmail({ accessKey: ACCESS_KEY });
    eu = await startEmail({ accessKey: ACCESS_KEY });
    sender = senderFor(configFor({ uksouth: `${uk.url}/`, eu: `${eu.url}/` }));
  });
  after(async () => {
    await uk.close();
    await eu.close();
  });

  test('a send arrives in the outbox with its recipient, subject, bodies and our sender address', async () => {
    const message = notice();
    const receipt = await sender.send(message);

    assert.equal(receipt.messageId, emailOperationId(message.idempotencyKey));
    assert.equal(receipt.sentAt, SENT_AT, 'sentAt comes from the injected clock');
    const sent = uk.outbox().filter((m) => m.operationId === receipt.messageId);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.senderAddress, 'privacy-ops@uk.notifications.local');
    assert.deepEqual(sent[0]?.to, [message.to[0]?.email]);
    assert.deepEqual(sent[0]?.cc, []);
    assert.deepEqual(sent[0]?.bcc, []);
    assert.equal(sent[0]?.subject, message.subject);
    assert.equal(sent[0]?.text, message.text);
    assert.equal(sent[0]?.html, message.html);
  });

  test('every address on `to` receives the one message', async () => {
    const message = notice({ to: [{ email: 'first@customer.test' }, { name: 'Second', email: 'second@customer.test' }] });
    const receipt = await sender.send(message);
    const sent = uk.outbox().filter((m) => m.operationId === receipt.messageId);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]?.to, ['first@customer.test', 'second@customer.test']);
  });

  test('the same idempotency key twice sends one message and returns the same message id', async () => {
    const message = notice();
    const before = uk.outbox().length;
    const first = await sender.send(message);
    const second = await sender.send(message);
    assert.equal(second.messageId, first.messageId);
    assert.equal(uk.outbox().length, before + 1);
  });

  test('a retry through a new sender (a restarted host) still does not send twice', async () => {
    const message = notice();
    await sender.send(message);
    const restarted = senderFor(configFor({ uksouth: `${uk.url}/`, eu: `${eu.url}/` }));
    await restarted.send(message);
    assert.equal(uk.outbox().filter((m) => m.operationId === emailOperationId(message.idempotencyKey)).length, 1);
  });

  test('different idempotency keys send two messages, even with the same content', async () => {
    const message = notice();
    const before = uk.outbox().length;
    const first = await sender.send(message);
    const second = await sender.send({ ...message, idempotencyKey: `${message.idempotencyKey}:again` });
    assert.notEqual(second.messageId, first.messageId);
    assert.equal(uk.outbox().length, before + 2);
  });

  test("an EU tenant's email is sent by the EU resource only", async () => {
    const ukBefore = uk.outbox().length;
    const receipt = await sender.send(notice({ region: 'eu' }));
    assert.equal(eu.outbox().filter((m) => m.operationId === receipt.messageId).length, 1);
    assert.equal(uk.outbox().length, ukBefore, 'nothing went through UK South');
  });

  test('injected 503s surface as retryable errors, nothing is recorded, and the retry sends exactly once', async () => {
    const message = notice();
    const before = uk.outbox().length;
    uk.setFailNext(2);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await deliveryError(sender.send(message));
      assert.equal(error.retryable, true);
      assert.equal(error.code, 'EMAIL.UNAVAILABLE');
      assert.equal(error.details.status, 503);
      assert.match(error.message, /^EMAIL\.UNAVAILABLE: .*uksouth.*503 ServiceUnavailable/);
      assertNoPersonalData(error, message);
    }
    assert.equal(uk.outbox().length, before, 'the SDK did not retry behind our back and nothing was sent');
    await sender.send(message);
    assert.equal(uk.outbox().length, before + 1);
  });

  test('an invalid recipient is a non-retryable error that names the field, not the address', async () => {
    const message = notice({ to: [{ name: 'Nobody In Particular', email: 'not-an-address' }] });
    const before = uk.outbox().length;
    const error = await deliveryError(sender.send(message));
    assert.equal(error.retryable, false);
    assert.equal(error.code, 'EMAIL.REJECTED');
    assert.equal(error.details.status, 400);
    assert.match(error.message, /InvalidEmailAddress at recipients/);
    assert.ok(!error.message.includes('not-an-address'));
    assertNoPersonalData(error, message);
    assert.equal(uk.outbox().length, before);
  });

  test('reusing an idempotency key for a different message is refused, not sent, and says why', async () => {
    const message = notice();
    await sender.send(message);
    const changed = { ...message, subject: `${message.subject} (updated)` };
    const error = await deliveryError(sender.send(changed));
    assert.equal(error.retryable, false);
    assert.equal(error.code, 'EMAIL.REJECTED');
    assert.match(error.message, /idempotency key was already used for a different message/);
    assertNoPersonalData(error, changed);
    assert.equal(uk.outbox().filter((m) => m.operationId === emailOperationId(message.idempotencyKey)).length, 1);
  });

  test('a wrong access key is a non-retryable configuration error', async () => {
    const wrongKey = senderFor(
      configFor({ uksouth: `${uk.url}/`, eu: `${eu.url}/` }, { EMAIL_ACCESS_KEY: randomBytes(32).toString('base64') }),
    );
    const error = await deliveryError(wrongKey.send(notice()));
    assert.equal(error.retryable, false);
    assert.equal(error.code, 'EMAIL.NOT_AUTHORISED');
    assert.equal(error.details.status, 401);
    assert.match(error.message, /EMAIL_ACCESS_KEY/);
  });

  test('a message without recipients or without an idempotency key is refused before reaching the service', async () => {
    const before = uk.outbox().length;
    const noRecipient = await deliveryError(sender.send(notice({ to: [] })));
    assert.equal(noRecipient.code, 'EMAIL.INVALID_MESSAGE');
    assert.equal(noRecipient.retryable, false);
    const noKey = await deliveryError(sender.send(notice({ idempotencyKey: '  ' })));
    assert.equal(noKey.code, 'EMAIL.INVALID_MESSAGE');
    assert.equal(uk.outbox().length, before);
  });

  test('a rendered notice with hostile values arrives escaped in HTML and verbatim in text', async () => {
    const rendered = renderEmail({
      subject: 'Breach notice',
      title: 'A personal data breach affecting your tenant',
      paragraphs: ['Details follow.'],
      facts: [{ label: 'Tenant', value: '<script>alert(1)</script>' }],
    });
    const receipt = await sender.send(notice(rendered));
    const sent = uk.outbox().find((m) => m.operationId === receipt.messageId);
    assert.ok(sent?.html?.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!sent?.html?.includes('<script>'));
    assert.ok(sent?.text?.includes('Tenant: <script>alert(1)</script>'));
  });
});

describe('email sender failures the stand-in cannot produce', () => {
  /** A minimal Communication Services email API answering with scripted responses (no signature check). */
  async function scriptedService(
    respond: (req: IncomingMessage, res: ServerResponse, origin: string) => void,
  ): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
        respond(req, res, `http://${req.headers.host ?? ''}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return {
      url,
      requests,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  test('429 is retryable, carries Retry-After, and the SDK does not retry it itself', async () => {
    const service = await scriptedService((_req, res) =>
      json(res, 429, { error: { code: 'TooManyRequests', message: 'Slow down.' } }, { 'retry-after': '37' }),
    );
    try {
      const message = notice();
      const sender = senderFor(configFor({ uksouth: service.url, eu: service.url }));
      const error = await deliveryError(sender.send(message));
      assert.equal(error.code, 'EMAIL.THROTTLED');
      assert.equal(error.retryable, true);
      assert.equal(error.details.status, 429);
      assert.equal(error.details.retryAfterSeconds, 37);
      assertNoPersonalData(error, message);
      assert.deepEqual(service.requests, ['POST /emails:send'], 'one attempt: the Durable retry policy governs');
    } finally {
      await service.close();
    }
  });

  test('an accepted send that ends Failed is non-retryable and keeps only the service code', async () => {
    const message = notice();
    const address = message.to[0]?.email ?? '';
    const service = await scriptedService((req, res, origin) => {
      const operationId = String(req.headers['operation-id']);
      if (req.method === 'POST') {
        json(res, 202, { id: operationId, status: 'Running' }, { 'operation-location': `${origin}/emails/operations/${operationId}?api-version=2025-09-01` });
      } else {
        const id = (req.url ?? '').split('?')[0]?.split('/').pop();
        json(res, 200, { id, status: 'Failed', error: { code: 'EmailDroppedAllRecipientsSuppressed', message: `Recipient ${address} is suppressed.` } });
      }
    });
    try {
      const sender = senderFor(configFor({ uksouth: service.url, eu: service.url }));
      const error = await deliveryError(sender.send(message));
      assert.equal(error.code, 'EMAIL.SEND_FAILED');
      assert.equal(error.retryable, false);
      assert.equal(error.details.serviceCode, 'EmailDroppedAllRecipientsSuppressed');
      assertNoPersonalData(error, message);
    } finally {
      await service.close();
    }
  });

  test('a send still running when polling gives up is a retryable error', async () => {
    const service = await scriptedService((req, res, origin) => {
      const operationId = String(req.headers['operation-id'] ?? (req.url ?? '').split('?')[0]?.split('/').pop());
      json(res, 202, { id: operationId, status: 'Running' }, { 'operation-location': `${origin}/emails/operations/${operationId}?api-version=2025-09-01` });
    });
    try {
      const config = configFor({ uksouth: service.url, eu: service.url });
      const sender = new EmailSender(config, connectionsFor(config, fixedClock).email, { clock: fixedClock, pollTimeoutMs: 1 });
      const message = notice();
      const error = await deliveryError(sender.send(message));
      assert.equal(error.code, 'EMAIL.UNAVAILABLE');
      assert.equal(error.retryable, true);
      assert.match(error.message, /did not complete the send/);
      assertNoPersonalData(error, message);
    } finally {
      await service.close();
    }
  });

  test('an unreachable service is a retryable error', async () => {
    const service = await scriptedService((_req, res) => json(res, 500, {}));
    await service.close(); // nothing listens on this port any more
    const sender = senderFor(configFor({ uksouth: service.url, eu: service.url }));
    const message = notice();
    const error = await deliveryError(sender.send(message));
    assert.equal(error.code, 'EMAIL.UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.details.status, undefined);
    assertNoPersonalData(error, message);
  });
});

describe('email sender set-up', () => {
  test('the operation id is a version 5 UUID of the idempotency key', () => {
    // RFC 9562 name-based UUID, checked against the well-known DNS-namespace vector.
    assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    const id = emailOperationId('breach-1:notify:contact-1');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(emailOperationId('breach-1:notify:contact-1'), id);
    assert.notEqual(emailOperationId('breach-1:notify:contact-2'), id);
  });

  test('local development without EMAIL_ACCESS_KEY stops with the setting named', () => {
    const config = configFor({ uksouth: 'http://127.0.0.1:1/', eu: 'http://127.0.0.1:2/' }, { EMAIL_ACCESS_KEY: '' });
    assert.throws(
      () => connectionsFor(config, fixedClock),
      (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.setting === 'EMAIL_ACCESS_KEY'),
    );
  });

  test('the composition root provides the email sender', () => {
    const services = createServices(loadConfig(exampleSettings()));
    assert.ok(services.email instanceof EmailSender);
  });
});
