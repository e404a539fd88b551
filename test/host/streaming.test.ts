// HTTP streaming as the Functions host does it (app.setup({ enableHttpStream: true })): the host
// forwards the live request to the worker's own HTTP server with the invocation id, the handler
// reads the body as it arrives, and an early answer reaches the client without the host holding
// or waiting for the body. Source: azure-functions-nodejs-library src/http/httpProxy.ts and
// HttpRequest.createStreamRequest; learn.microsoft.com "HTTP streams" (Node.js programming model v4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { LocalSystem } from '../support/local-system.js';

const STREAMING_APP = 'dist/test/host/fixtures/streaming/app.js';

describe('HTTP streaming on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [STREAMING_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  const chunked = (size: number): ReadableStream<Uint8Array> =>
    Readable.toWeb(Readable.from((function* () {
      for (let sent = 0; sent < size; sent += 64 * 1024) yield Buffer.alloc(Math.min(64 * 1024, size - sent), 'x');
    })())) as ReadableStream<Uint8Array>;

  test('a chunked body reaches the handler as a stream, with route parameters, query and headers', async () => {
    const response = await fetch(`${system.url}/api/stream/alpha?mode=probe`, {
      method: 'POST',
      body: chunked(8 * 1024 * 1024),
      headers: { 'x-probe': 'yes' },
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { bytes: number; chunks: number; name: string; mode: string; header: string; url: string };
    assert.equal(body.bytes, 8 * 1024 * 1024);
    assert.ok(body.chunks > 1, `read in ${body.chunks} chunks, not as one buffered body`);
    assert.deepEqual(
      { name: body.name, mode: body.mode, header: body.header, url: body.url },
      { name: 'alpha', mode: 'probe', header: 'yes', url: '/api/stream/alpha' },
    );
  });

  test('an answer given before the body is read reaches the client, declared length or chunked, and the host keeps serving', async () => {
    const declared = await fetch(`${system.url}/api/refuse`, { method: 'POST', body: Buffer.alloc(16 * 1024 * 1024, 'y') });
    assert.equal(declared.status, 413);
    const streamed = await fetch(`${system.url}/api/refuse`, { method: 'POST', body: chunked(16 * 1024 * 1024), duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.deepEqual(await streamed.json(), { refused: true });
    const again = await fetch(`${system.url}/api/stream/beta`, { method: 'POST', body: 'small' });
    assert.deepEqual(((await again.json()) as { bytes: number }).bytes, 5);
  });
});
