// Who closes an idle keep-alive connection on the local servers the app and the tests talk to (the
// host, the platform's control endpoint and the fault proxies in front of every stand-in): the
// client, never the server.
//
// A server that closes idle connections on a timer races a client that reuses one: when the
// server's process is busy (a stand-in generating RSA keys synchronously, a loaded machine), a
// request the client sent on an idle connection waits unread in the socket while the server's idle
// timer expires; Node runs due timers before it reads sockets, so the server destroys the connection
// with the request in it and the client gets ECONNRESET ('fetch failed' in a test; a Cosmos write,
// which the SDK never retries, fails the request with a 500). Shortening the client's own idle
// timeout does not close that window (the busy server is late, not the client), so the server
// keeps idle connections until the client closes them (undici after 4 s) or the server stops.
import type { Server } from 'node:http';

export function leaveIdleConnectionsToClients(server: Server): void {
  // 0: no idle timeout and no `Keep-Alive: timeout` hint. headersTimeout and requestTimeout still
  // bound a request once it has started.
  server.keepAliveTimeout = 0;
}
