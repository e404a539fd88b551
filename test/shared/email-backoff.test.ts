// A 429 from the email service holds back every instance of the app, and a restarted one, until its
// Retry-After: the back-off lives in the control container (here the Cosmos DB stand-in) and the send
// path checks it before calling the service. Two senders with separate clients stand for two
// instances; the service is scripted so it can answer 429.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CosmosClient, type Container } from '@azure/cosmos';
import { loadConfig, type Config } from '../../shared/config.js';
import { connectionsFor } from '../../shared/composition.js';
import { EmailSender, type OutgoingEmail } from '../../shared/email/email-sender.js';
import { EmailDeliveryError } from '../../shared/email/errors.js';
import { CosmosSendBackoff } from '../../shared/email/send-backoff.js';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';

const START = new Date('2031-03-04T05:06:07.000Z');

/** A clock the test moves; each "instance" reads the same one, as instances share real time. */
class TestClock {
  #now = START.getTime();
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

function message(): OutgoingEmail {
  return {
    region: 'eu',
    to: [{ email: `contact.${randomUUID()}@customer.test` }],
    subject: 'Notice',
    text: 'Notice.\n',
    html: '<p>Notice.</p>\n',
    idempotencyKey: `notice-${randomUUID()}`,
  };
}

async function failure(promise: Promise<unknown>): Promise<EmailDeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EmailDeliveryError, String(error));
    return error;
  }
  return assert.fail('expected the send to be refused');
}

describe('the shared email back-off', () => {
  let cosmos: CosmosStandIn;
  let server: Server;
  let url: string;
  /** What the scripted service answers next: a 429 (with an optional Retry-After) or acceptance. */
  let answer: { status: 429; retryAfter?: string } | { status: 202 } = { status: 202 };
  const requests: string[] = [];
  const clients: CosmosClient[] = [];
  let config: Config;

  before(async () => {
    cosmos = await startCosmos({ region: 'uksouth' });
    const setup = new CosmosClient(standInClientOptions(cosmos));
    clients.push(setup);
    const { database } = await setup.databases.createIfNotExists({ id: 'privacy-ops' });
    await database.containers.createIfNotExists({ id: 'control', partitionKey: { paths: ['/pk'] } });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
        const origin = `http://${req.headers.host ?? ''}`;
        const operationId = String(req.headers['operation-id'] ?? 'op');
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: operationId, status: 'Succeeded' }));
        } else if (answer.status === 429) {
          res
            .writeHead(429, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) })
            .end(JSON.stringify({ error: { code: 'TooManyRequests' } }));
        } else {
          res
            .writeHead(202, {
              'content-type': 'application/json',
              'operation-location': `${origin}/emails/operations/${operationId}?api-version=2025-09-01`,
            })
            .end(JSON.stringify({ id: operationId, status: 'Running' }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const example = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
    config = loadConfig({ ...example, EMAIL_ENDPOINT_UKSOUTH: url, EMAIL_ENDPOINT_EU: url, EMAIL_ACCESS_KEY: randomBytes(32).toString('base64') });
  });
  after(async () => {
    for (const client of clients) client.dispose();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await cosmos.close();
  });

  /** An app instance: its own Cosmos client and email client, the shared clock. */
  function instance(clock: TestClock): { sender: EmailSender; backoff: CosmosSendBackoff } {
    const client = new CosmosClient(standInClientOptions(cosmos));
    clients.push(client);
    const container = async (): Promise<Container> => client.database('privacy-ops').container('control');
    const backoff = new CosmosSendBackoff(container);
    return { sender: new EmailSender(config, connectionsFor(config, clock).email, { clock, backoff }), backoff };
  }

  test('a 429 seen by one instance holds back another, and one started afterwards, without calling the service until Retry-After has passed', async () => {
    const clock = new TestClock();
    const a = instance(clock);
    const b = instance(clock);
    answer = { status: 429, retryAfter: '120' };
    const first = await failure(a.sender.send(message()));
    assert.equal(first.code, 'EMAIL.THROTTLED');
    assert.equal(first.details.retryAfterSeconds, 120);
    const calls = requests.length;

    answer = { status: 202 };
    clock.advance(30_000);
    const held = await failure(b.sender.send(message()));
    assert.equal(held.code, 'EMAIL.THROTTLED');
    assert.equal(held.retryable, true);
    assert.equal(held.details.retryAfterSeconds, 90, 'the rest of the back-off');
    const restarted = instance(clock);
    assert.equal((await failure(restarted.sender.send(message()))).code, 'EMAIL.THROTTLED', 'a new instance (a restart) is held back too');
    assert.equal(requests.length, calls, 'no request reached the service while held back');

    clock.advance(90_000);
    const receipt = await b.sender.send(message());
    assert.ok(receipt.messageId, 'sends resume once Retry-After has passed');
    assert.ok(requests.length > calls);
  });

  test('a 429 without Retry-After holds back for a minute', async () => {
    const clock = new TestClock();
    clock.advance(3_600_000);
    const a = instance(clock);
    answer = { status: 429 };
    assert.equal((await failure(a.sender.send(message()))).code, 'EMAIL.THROTTLED');
    assert.deepEqual(await a.backoff.until(), new Date(clock.now().getTime() + 60_000));
    answer = { status: 202 };
    clock.advance(60_000);
    assert.ok((await a.sender.send(message())).messageId);
  });

  test('a shorter Retry-After never shortens a back-off, and racing instances keep the latest', async () => {
    const clock = new TestClock();
    clock.advance(2 * 3_600_000);
    const instances = Array.from({ length: 4 }, () => instance(clock).backoff);
    const base = clock.now().getTime();
    await Promise.all(instances.map((b, i) => b.holdUntil(new Date(base + (i + 1) * 10_000))));
    assert.deepEqual(await instances[0]!.until(), new Date(base + 40_000), 'the latest instant wins the race');
    await instances[1]!.holdUntil(new Date(base + 5_000));
    assert.deepEqual(await instances[2]!.until(), new Date(base + 40_000), 'an earlier instant does not shorten it');
  });
});
