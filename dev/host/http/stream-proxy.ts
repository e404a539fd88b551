// HTTP streaming, as the Functions host does it when the app calls `app.setup({ enableHttpStream:
// true })`: the worker reports an `HttpUri` capability (its own HTTP server) and the host, instead
// of buffering the request into the invocation, forwards the live request to that address with the
// invocation id in `x-ms-invocation-id`, while the invocation itself carries only the metadata
// (headers, query, route parameters). The worker answers on the forwarded connection, so neither
// the request body nor the response is ever held whole by the host.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RpcTypedData } from '../worker/rpc-types.js';

/** Headers that describe a connection, not a message: never forwarded (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

/** The trigger metadata a streamed HTTP invocation carries in place of the request. */
export function streamTriggerMetadata(
  headers: Record<string, string>,
  query: Record<string, string>,
  params: Record<string, string>,
): Record<string, RpcTypedData> {
  return {
    Headers: { json: JSON.stringify(headers) },
    Query: { json: JSON.stringify(query) },
    ...Object.fromEntries(Object.entries(params).map(([name, value]) => [name, { string: value }])),
  };
}

/**
 * Forwards `req` to the worker's HTTP server and pipes the worker's answer back to `res`. Resolves
 * when the answer has been sent; rejects if the worker cannot be reached.
 */
export function forwardToWorker(
  req: IncomingMessage,
  res: ServerResponse,
  target: { httpUri: string; invocationId: string; url: URL },
): { done: Promise<void>; abort: () => void } {
  const worker = new URL(target.httpUri);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  headers[INVOCATION_ID_HEADER] = target.invocationId;
  headers['x-forwarded-host'] = target.url.host;
  headers['x-forwarded-proto'] = target.url.protocol.replace(':', '');
  // A connection of its own for each request: a worker that refused a body mid-stream closes its end,
  // and a pooled connection reused after that would fail the next request before the worker saw it.
  const proxied = httpRequest({
    hostname: worker.hostname,
    port: worker.port,
    method: req.method,
    path: `${target.url.pathname}${target.url.search}`,
    headers,
    agent: false,
  });
  let answered = false;
  const done = new Promise<void>((resolve, reject) => {
    // The worker may close the connection once it has answered (it refused the body): that is not a failure.
    proxied.on('error', (error) => {
      if (!answered) reject(error);
    });
    proxied.once('response', (answer) => {
      answered = true;
      const out: Record<string, string | string[]> = {};
      // The worker's Date is the machine's time; the host already set its own, from its (maybe virtual) clock.
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name) && name !== INVOCATION_ID_HEADER && name !== 'date') out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 200, out);
      answer.pipe(res);
      answer.once('end', () => {
        // Answered: whatever of the body the worker did not read is not sent to it.
        if (!req.complete) proxied.destroy();
        resolve();
      });
      answer.once('error', reject);
    });
  });
  // Observed here too: when the invocation fails first, nobody awaits `done`, and its rejection must not go unhandled.
  done.catch(() => undefined);
  req.pipe(proxied);
  // Answered before the whole body was sent (a refusal from Content-Length or past the limit): stop
  // forwarding and let the rest of the body drain unread, so the client gets the answer, not a reset.
  res.once('finish', () => {
    if (req.complete) return;
    req.unpipe(proxied);
    req.resume();
  });
  return { done, abort: () => proxied.destroy() };
}
