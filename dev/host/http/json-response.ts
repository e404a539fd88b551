// JSON and problem+json answers for the host's own routes (the app's triggers answer for themselves).
import type { ServerResponse } from 'node:http';

export function json(res: ServerResponse, status: number, body: unknown): boolean {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  return true;
}

/** An RFC 9457 problem, with the fields at fault. */
export function problem(res: ServerResponse, status: number, title: string, detail: string, errors?: { path: string; message: string }[]): boolean {
  res
    .writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' })
    .end(JSON.stringify({ type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) }));
  return true;
}
