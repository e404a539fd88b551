// The production bundle swaps three dependencies for stand-ins that load less at start-up
// (dev/packaging/bundle-app.ts). Each must behave as what it replaces, for what the app uses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import validator from 'validator';
import { z } from 'zod';
import lazyAxios from '../../dev/packaging/lazy-axios.js';
import { isURL } from '../../dev/packaging/validator-is-url.js';
import { en } from '../../dev/packaging/zod-locales-english.js';

describe("axios as durable-functions' client uses it, created on first call", () => {
  let server: Server;
  let base: string;
  before(async () => {
    // Echoes what it received; /missing answers 404 and /error 500 (the client accepts any status below 600).
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(req.url === '/missing' ? 404 : req.url === '/error' ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, contentType: req.headers['content-type'] ?? null, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('get, post (with and without headers) and delete answer as axios.create with the same configuration', async () => {
    // DurableClient's configuration, verbatim.
    const config = { validateStatus: (status: number) => status < 600, headers: { post: { 'Content-Type': 'application/json' } }, maxContentLength: Infinity };
    const real = axios.create(config);
    const standIn = lazyAxios.create(config);
    const calls: [string, (client: typeof standIn) => Promise<{ status: number; data: unknown }>][] = [
      ['get', (c) => c.get(`${base}/status?x=1`)],
      ['get 404', (c) => c.get(`${base}/missing`)],
      ['post', (c) => c.post(`${base}/raise`, JSON.stringify({ event: 1 }))],
      ['post with headers', (c) => c.post(`${base}/signal`, 'input', { headers: { 'Content-Type': 'text/plain' } })],
      ['post without body', (c) => c.post(`${base}/error`)],
      ['delete', (c) => c.delete(`${base}/purge`)],
    ];
    for (const [name, call] of calls) {
      const [expected, actual] = [await call(real), await call(standIn)];
      assert.deepEqual({ status: actual.status, data: actual.data }, { status: expected.status, data: expected.data }, name);
    }
  });

  test('a refused connection fails as it does with axios', async () => {
    const refused = async (client: { get: (url: string) => Promise<unknown> }) => client.get('http://127.0.0.1:9/').then(() => assert.fail('answered'), (e: unknown) => e);
    const [expected, actual] = [await refused(axios.create({})), await refused(lazyAxios.create({}))];
    assert.ok(axios.isAxiosError(actual), 'an AxiosError');
    assert.equal(actual.code, (expected as { code?: string }).code);
  });
});

test("validator's isURL, with the options durable-functions passes", () => {
  const webhookOptions = { protocols: ['http', 'https'], require_tld: false, require_protocol: true, require_valid_protocol: true };
  const inputs = [
    'http://localhost:7071/runtime/webhooks/durabletask/instances/abc?taskHub=hub&code=x',
    'https://app.azurewebsites.net/runtime/webhooks/durabletask',
    'ftp://example.com/file',
    'localhost:7071/no-protocol',
    'not a url',
    '',
  ];
  for (const input of inputs) assert.equal(isURL(input, webhookOptions), validator.isURL(input, webhookOptions), input);
  assert.equal(isURL('https://example.com/'), true);
});

test("zod's English locale is the one zod registers by default, and its messages are unchanged", () => {
  assert.equal(en, z.locales.en);
  assert.equal(z.string().safeParse(1).error?.issues[0]?.message, 'Invalid input: expected string, received number');
});
