// The email stand-in driven by the real @azure/communication-email client, as product code will drive it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { startEmail, type EmailStandIn, type SentEmail } from '../../dev/standins/email.js';

function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    senderAddress: 'DoNotReply@privacy.example',
    content: { subject: 'Your data export is ready', plainText: 'Download it here.', html: '<p>Download it here.</p>' },
    recipients: {
      to: [{ address: 'dpo@tenant.example', displayName: 'Data Protection Officer' }],
      cc: [{ address: 'security@tenant.example' }],
      bcc: [{ address: 'audit@privacy.example' }],
    },
    headers: { 'x-tenant-id': 'tenant-1' },
    ...overrides,
  };
}

function client(standIn: EmailStandIn, retryOptions?: { maxRetries?: number; retryDelayInMs?: number }): EmailClient {
  return new EmailClient(standIn.connectionString, { allowInsecureConnection: true, ...(retryOptions ? { retryOptions } : {}) });
}

async function sendAndWait(emailClient: EmailClient, msg: EmailMessage, operationId?: string) {
  const poller = await emailClient.beginSend(msg, operationId === undefined ? {} : { operationId });
  return poller.pollUntilDone();
}

/** The parts of @azure/core-rest-pipeline's RestError the tests read (the package is not a direct dependency). */
interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: unknown;
}

async function rejection(promise: Promise<unknown>): Promise<RestErrorLike> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error && (err as Error & RestErrorLike).statusCode !== undefined, `expected a RestError, got ${String(err)}`);
    return err as RestErrorLike;
  }
  assert.fail('expected the send to be rejected');
}

describe('email stand-in', () => {
  let standIn: EmailStandIn;
  before(async () => {
    standIn = await startEmail();
  });
  after(async () => {
    await standIn.close();
  });

  test('a sent email arrives in the outbox with its recipients, subject, bodies and headers', async () => {
    const before = Date.now();
    const result = await sendAndWait(client(standIn), message());
    assert.equal(result.status, 'Succeeded');

    const sent = standIn.outbox().find((m) => m.operationId === result.id);
    assert.ok(sent, 'message recorded under the operation id the client saw');
    assert.equal(sent.senderAddress, 'DoNotReply@privacy.example');
    assert.deepEqual(sent.to, ['dpo@tenant.example']);
    assert.deepEqual(sent.cc, ['security@tenant.example']);
    assert.deepEqual(sent.bcc, ['audit@privacy.example']);
    assert.equal(sent.subject, 'Your data export is ready');
    assert.equal(sent.text, 'Download it here.');
    assert.equal(sent.html, '<p>Download it here.</p>');
    assert.deepEqual(sent.headers, { 'x-tenant-id': 'tenant-1' });
    assert.match(sent.sentAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Date.parse(sent.sentAt) >= before - 1000 && Date.parse(sent.sentAt) <= Date.now() + 1000);

    const response = await fetch(`${standIn.url}/outbox`);
    assert.equal(response.status, 200);
    const served = (await response.json()) as SentEmail[];
    assert.deepEqual(served.at(-1), sent, 'GET /outbox serves the same record, newest last');
  });

  test('a client with the wrong access key is refused with 401 and nothing is recorded', async () => {
    const count = standIn.outbox().length;
    const wrongKey = standIn.connectionString.replace(/accesskey=.*$/, `accesskey=${randomBytes(32).toString('base64')}`);
    const wrongClient = new EmailClient(wrongKey, { allowInsecureConnection: true });
    const err = await rejection(sendAndWait(wrongClient, message()));
    assert.equal(err.statusCode, 401);
    assert.equal(standIn.outbox().length, count);
  });

  test('an unsigned request gets a JSON error that says what is wrong', async () => {
    const response = await fetch(`${standIn.url}/emails:send?api-version=2025-09-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message()),
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'Denied');
    assert.match(body.error.message, /Authorization/);
  });

  test('a body that does not match the signed content hash is refused', async () => {
    const key = /accesskey=(.*)$/.exec(standIn.connectionString)?.[1] ?? '';
    const signedBody = JSON.stringify(message());
    const sentBody = JSON.stringify(message({ content: { subject: 'Tampered', plainText: 'x' } }));
    const host = new URL(standIn.url).host;
    const date = new Date().toUTCString();
    const hash = createHash('sha256').update(signedBody).digest('base64');
    const pathAndQuery = '/emails:send?api-version=2025-09-01';
    const signature = createHmac('sha256', Buffer.from(key, 'base64'))
      .update(`POST\n${pathAndQuery}\n${date};${host};${hash}`)
      .digest('base64');
    const headers = {
      'content-type': 'application/json',
      'x-ms-date': date,
      'x-ms-content-sha256': hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    };
    const tampered = await fetch(`${standIn.url}${pathAndQuery}`, { method: 'POST', headers, body: sentBody });
    assert.equal(tampered.status, 401);
    const body = (await tampered.json()) as { error: { message: string } };
    assert.match(body.error.message, /x-ms-content-sha256/);

    // The same hand-made signature over the body actually sent is accepted, so the check above is the hash.
    const genuine = await fetch(`${standIn.url}${pathAndQuery}`, { method: 'POST', headers, body: signedBody });
    assert.equal(genuine.status, 202);
  });

  test('a message without recipients, sender or subject is refused with 400 in the service error shape', async () => {
    const count = standIn.outbox().length;
    const noRecipients = await rejection(sendAndWait(client(standIn), message({ recipients: { to: [] } })));
    assert.equal(noRecipients.statusCode, 400);
    assert.equal(noRecipients.code, 'BadRequest');

    const noSender = await rejection(sendAndWait(client(standIn), message({ senderAddress: '' })));
    assert.equal(noSender.statusCode, 400);

    const noSubject = await rejection(
      sendAndWait(client(standIn), message({ content: { subject: ' ', plainText: 'body' } })),
    );
    assert.equal(noSubject.statusCode, 400);
    const details = (noSubject.details as { error?: { details?: { target?: string }[] } } | undefined)?.error?.details;
    assert.ok(details?.some((d) => d.target === 'content.subject'), 'the error names the missing field');
    assert.equal(standIn.outbox().length, count);
  });

  test('sending twice with the same operation id records one message and returns the same operation', async () => {
    const operationId = randomUUID();
    const count = standIn.outbox().length;
    const first = await sendAndWait(client(standIn), message(), operationId);
    const second = await sendAndWait(client(standIn), message(), operationId);
    assert.equal(first.id, operationId);
    assert.equal(second.id, operationId);
    assert.equal(standIn.outbox().length, count + 1);
    assert.equal(standIn.outbox().filter((m) => m.operationId === operationId).length, 1);
  });

  test('reusing an operation id for a different message is refused, so non-deterministic retries surface', async () => {
    const operationId = randomUUID();
    await sendAndWait(client(standIn), message(), operationId);
    const err = await rejection(
      sendAndWait(client(standIn), message({ content: { subject: 'Something else', plainText: 'x' } }), operationId),
    );
    assert.equal(err.statusCode, 400);
    assert.equal(standIn.outbox().filter((m) => m.operationId === operationId).length, 1);
  });

  test('failNext makes the next sends answer 503, then sending works again', async () => {
    const noRetry = client(standIn, { maxRetries: 0 });
    const count = standIn.outbox().length;
    const faults = await fetch(`${standIn.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 2 }),
    });
    assert.equal(faults.status, 200);

    for (let i = 0; i < 2; i++) {
      const err = await rejection(sendAndWait(noRetry, message()));
      assert.equal(err.statusCode, 503);
    }
    assert.equal(standIn.outbox().length, count);
    const result = await sendAndWait(noRetry, message());
    assert.equal(result.status, 'Succeeded');
    assert.equal(standIn.outbox().length, count + 1);
  });

  test('the SDK retry policy rides over an injected 503 and the operation id keeps it to one message', async () => {
    standIn.setFailNext(1);
    const operationId = randomUUID();
    const result = await sendAndWait(client(standIn, { maxRetries: 2, retryDelayInMs: 1 }), message(), operationId);
    assert.equal(result.status, 'Succeeded');
    assert.equal(standIn.outbox().filter((m) => m.operationId === operationId).length, 1);
    const faults = (await (await fetch(`${standIn.url}/faults`)).json()) as { failNext: number };
    assert.equal(faults.failNext, 0, 'the injected 503 was really served and retried');
  });
});

describe('email stand-in with a state file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'email-standin-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('a restarted stand-in keeps its outbox and still recognises earlier operation ids', async () => {
    const stateFile = join(dir, 'nested', 'outbox.json');
    const accessKey = randomBytes(32).toString('base64');
    const operationId = randomUUID();

    const first = await startEmail({ stateFile, accessKey, failNext: 1 });
    const noRetry = client(first, { maxRetries: 0 });
    assert.equal((await rejection(sendAndWait(noRetry, message()))).statusCode, 503, 'failNext option applies');
    await sendAndWait(noRetry, message(), operationId);
    const recorded = first.outbox();
    await first.close();

    const second = await startEmail({ stateFile, accessKey });
    try {
      assert.deepEqual(second.outbox(), recorded);
      await sendAndWait(client(second), message(), operationId);
      assert.equal(second.outbox().length, 1, 'a retry after the restart is still the same send');
      await sendAndWait(client(second), message({ content: { subject: 'Second notice', plainText: 'x' } }));
      assert.deepEqual(
        second.outbox().map((m) => m.subject),
        ['Your data export is ready', 'Second notice'],
      );
      assert.deepEqual(readdirSync(join(dir, 'nested')), ['outbox.json'], 'no temp files left behind');
    } finally {
      await second.close();
    }
  });
});
