// The HTTP face of the Key Vault stand-in: bearer challenge like the real service, JSON in and
// out, Key Vault's error shape for every refusal. Vault semantics live in routes.ts and store.ts.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyVaultError, badParameter } from './errors.js';
import { route } from './routes.js';
import { KeyStore } from './store.js';

export interface KeyVaultStandIn {
  url: string;
  close(): Promise<void>;
}

export interface KeyVaultOptions {
  /** Vault name; recorded in the state file so one vault's keys never load into another. */
  name: string;
  host?: string;
  port?: number;
  /** 7 to 90, as on Azure; 90 when omitted. */
  softDeleteRetentionDays?: number;
  /** Like the vault property: deleted keys cannot be purged, only wait out their retention. */
  purgeProtection?: boolean;
  /** JSON file that keeps the vault's keys (private keys included) across restarts. */
  stateFile?: string;
  /** Tenant named in the bearer challenge; credentials receive it as `tenantId`. */
  tenantId?: string;
}

const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000000';
const MAX_BODY_BYTES = 1024 * 1024;

export async function startKeyVault(options: KeyVaultOptions): Promise<KeyVaultStandIn> {
  if (!options.name) throw new Error('startKeyVault: a vault name is required');
  const retentionDays = options.softDeleteRetentionDays ?? 90;
  if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
    throw new RangeError('startKeyVault: softDeleteRetentionDays must be an integer from 7 to 90');
  }
  const store = new KeyStore(options.name, retentionDays, options.stateFile);
  const challenge =
    `Bearer authorization="https://login.microsoftonline.com/${options.tenantId ?? DEFAULT_TENANT}", ` +
    `resource="https://vault.azure.net"`;

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        // Like Key Vault, refuse before looking at the request: the SDK sends its first request
        // without a body, expecting exactly this challenge.
        if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) {
          res.setHeader('WWW-Authenticate', challenge);
          throw new KeyVaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
        }
        const url = new URL(req.url ?? '/', 'http://vault');
        const apiVersion = url.searchParams.get('api-version');
        if (!apiVersion) throw badParameter('The api-version query parameter is required.');
        const segments = url.pathname.split('/').slice(1).map(decodeSegment);
        if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
        store.expireDeletions();
        const base = req.headers.host ? `http://${req.headers.host}` : vaultUrl;
        return route(store, { base, retentionDays, purgeProtection: options.purgeProtection === true }, {
          method: req.method ?? 'GET',
          segments,
          query: url.searchParams,
          body: parseJson(raw),
          apiVersion,
        });
      })
      .then(
        (reply) => send(res, reply.status, reply.body),
        (error: unknown) => {
          if (error instanceof KeyVaultError) return send(res, error.status, error.toBody());
          const message = error instanceof Error ? error.message : String(error);
          send(res, 500, { error: { code: 'InternalServerError', message } });
        },
      );
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const vaultUrl = `http://${urlHost}:${port}`;

  return {
    url: vaultUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new KeyVaultError(413, 'RequestTooLarge', 'The request body is too large.'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badParameter(`Malformed path segment '${segment}'.`);
  }
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('x-ms-request-id', randomUUID());
  res.setHeader('x-ms-keyvault-service-version', 'stand-in');
  res.setHeader('cache-control', 'no-cache');
  if (body === undefined || status === 204) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
