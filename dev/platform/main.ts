// The local "Azure": every stand-in the app talks to, in one process that outlives host restarts
// (as Cosmos DB and Key Vault outlive a Functions worker). One Cosmos account, one storage account
// and one Key Vault per region, so residency is observable; one email service.
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installVirtualDate } from '../host/clock.js';
import { leaveIdleConnectionsToClients } from '../host/http/idle-connections.js';
import { startCosmos } from '../standins/cosmos.js';
import { RestoreWindowError } from '../standins/cosmos/restore-history.js';
import { startAzurite } from '../standins/azurite.js';
import { startKeyVault } from '../standins/keyvault.js';
import { startEmail } from '../standins/email.js';
import { REGIONS, type PlatformAddresses } from './addresses.js';
import { FaultRegistry, FaultRequestError, RequestCounts, startFaultProxy, type FaultService } from './faults.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string', default: '.local' },
    clock: { type: 'string', default: 'real' },
    // Cosmos DB and blob storage keep their data in the state folder too (Key Vault and email always do),
    // so a platform started again on the folder, even after a SIGKILL, serves what it had acknowledged.
    persist: { type: 'boolean', default: false },
  },
});
const stateDir = values['state-dir'];
const persist = values.persist;
// The addresses of the last run: a restart on kept state listens where it did, because stored data
// names them (a Key Vault key id held in Cosmos DB is the vault's URL).
const addressesFile = join(stateDir, 'platform.json');
const previous = persist && existsSync(addressesFile) ? (JSON.parse(readFileSync(addressesFile, 'utf8')) as PlatformAddresses) : undefined;
const portOf = (url: string | undefined): number => (url ? Number(new URL(url).port) : 0);
mkdirSync(stateDir, { recursive: true });

// In virtual mode the host owns the clock and pushes every move here before it fires timers.
let virtualNow: number | undefined;
if (values.clock === 'virtual') {
  const clockFile = join(stateDir, 'clock.json');
  virtualNow = existsSync(clockFile) ? Date.parse((JSON.parse(readFileSync(clockFile, 'utf8')) as { now: string }).now) : Date.now();
  installVirtualDate(() => virtualNow!);
}

// A fixed local key, so the connection string is the same on every start.
const EMAIL_ACCESS_KEY = Buffer.from('local-dev-email-access-key-not-a-secret').toString('base64');

const closers: (() => Promise<void>)[] = [];
// Faults (POST /faults) are measured on this process's clock, the virtual one in virtual mode.
const faults = new FaultRegistry(() => new Date());
const requestCounts = new RequestCounts();
/** The address the app and tests use for a stand-in: a fault proxy in front of it (dev/platform/faults.ts). */
const behindProxy = async (
  address: string,
  service: FaultService,
  region: string | undefined,
  was: string | undefined,
  afterWrite?: () => Promise<void>,
): Promise<string> => {
  const origin = new URL(address).origin;
  const proxy = await startFaultProxy(origin, service, region, faults, requestCounts, afterWrite, portOf(was));
  closers.push(() => proxy.close());
  return address.replace(origin, proxy.url);
};
const cosmosStandIns = new Map<string, Awaited<ReturnType<typeof startCosmos>>>();
const cosmos: PlatformAddresses['cosmos'] = {};
const keyVault: PlatformAddresses['keyVault'] = {};
const storage: PlatformAddresses['storage'] = {};
for (const region of REGIONS) {
  const c = await startCosmos({ region, ...(persist ? { stateFile: join(stateDir, `cosmos-${region}.log`) } : {}) });
  closers.push(() => c.close());
  cosmosStandIns.set(region, c);
  cosmos[region] = { endpoint: await behindProxy(c.endpoint, 'cosmos', region, previous?.cosmos[region]?.endpoint), key: c.key };
  // As provisioned in infra/: purge protection on, 7-day soft-delete retention.
  const kv = await startKeyVault({
    name: `kv-${region}`,
    stateFile: join(stateDir, `keyvault-${region}.json`),
    purgeProtection: true,
    softDeleteRetentionDays: 7,
  });
  closers.push(() => kv.close());
  keyVault[region] = { url: await behindProxy(kv.url, 'keyvault', region, previous?.keyVault[region]?.url) };
  const blob = await startAzurite(persist ? { location: join(stateDir, `azurite-${region}`) } : {});
  closers.push(() => blob.close());
  const blobUrl = await behindProxy(blob.blobUrl, 'blob', region, previous?.storage[region]?.blobUrl, persist ? () => blob.flush() : undefined);
  storage[region] = {
    blobUrl,
    accountName: blob.accountName,
    accountKey: blob.accountKey,
    connectionString: blob.connectionString.replace(new URL(blob.blobUrl).origin, new URL(blobUrl).origin),
  };
}
const email = await startEmail({ accessKey: EMAIL_ACCESS_KEY, stateFile: join(stateDir, 'email-outbox.json') });
closers.push(() => email.close());
// One local email service stands in for both regions' resources: an email fault holds in every region.
const emailUrl = await behindProxy(email.url, 'email', undefined, previous?.email.url);

const control = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/clock' && virtualNow !== undefined) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { now: string };
      virtualNow = Date.parse(body.now);
      res.writeHead(204).end();
      return;
    }
    // Test controls of the Cosmos stand-ins: request counts (benchmarks), a write hold (crash tests) and
    // the scaled-down logical partition cap (`{"bytes": n}`, null to lift it).
    const cosmosControl = /^\/cosmos\/([a-z]+)\/(stats|stats\/reset|hold|release|restore|partition-cap)$/.exec(req.url ?? '');
    const standIn = cosmosControl ? cosmosStandIns.get(cosmosControl[1]!) : undefined;
    if (cosmosControl && standIn) {
      const action = cosmosControl[2];
      if (action === 'stats' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(standIn.stats()));
        return;
      }
      if (action === 'restore' && req.method === 'POST') {
        // The restore drill: the region's account back to its state at `to`.
        try {
          const restored = standIn.restoreTo(new Date((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string }).to));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(restored));
        } catch (error) {
          if (!(error instanceof RestoreWindowError)) throw error;
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: error.message }));
        }
        return;
      }
      if (req.method === 'POST') {
        if (action === 'stats/reset') standIn.resetStats();
        if (action === 'hold') standIn.holdWritesAfterDeletes((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { afterDeletes: number }).afterDeletes);
        if (action === 'release') standIn.release();
        if (action === 'partition-cap') standIn.setPartitionCap((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { bytes: number | null }).bytes ?? undefined);
        res.writeHead(204).end();
        return;
      }
    }
    // Requests per service and region through the proxies (the load harness's cost figures).
    if (req.url === '/requests' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requestCounts.snapshot()));
      return;
    }
    if (req.url === '/requests/reset' && req.method === 'POST') {
      requestCounts.reset();
      res.writeHead(204).end();
      return;
    }
    if (req.url === '/faults' || req.url?.startsWith('/faults/')) {
      handleFaults(req.method ?? 'GET', req.url, Buffer.concat(chunks), res);
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', now: new Date().toISOString() }));
      return;
    }
    res.writeHead(404).end();
  });
});
leaveIdleConnectionsToClients(control);
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlAddress = control.address();
const controlUrl = typeof controlAddress === 'object' && controlAddress ? `http://127.0.0.1:${controlAddress.port}` : '';

const addresses: PlatformAddresses = {
  controlUrl,
  cosmos,
  keyVault,
  storage,
  // The stand-in's outbox is read directly (a test control, never faulted).
  email: { url: emailUrl, connectionString: email.connectionString.replace(new URL(email.url).origin, new URL(emailUrl).origin), outboxUrl: email.url },
};
writeFileSync(addressesFile, JSON.stringify(addresses, null, 2));
process.stdout.write(`PLATFORM_READY ${JSON.stringify(addresses)}\n`);

/** POST /faults {service, region?, mode, duration}, GET /faults, DELETE /faults/{faultId}. */
function handleFaults(method: string, url: string, body: Buffer, res: import('node:http').ServerResponse): void {
  const send = (status: number, value?: unknown): void => {
    if (value === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }).end(JSON.stringify(value));
  };
  if (method === 'GET' && url === '/faults') return send(200, { faults: faults.list() });
  if (method === 'POST' && url === '/faults') {
    try {
      const fault = faults.add(JSON.parse(body.toString('utf8') || '{}'));
      return send(201, fault);
    } catch (error) {
      if (error instanceof FaultRequestError)
        return send(400, { title: 'Invalid fault', status: 400, detail: error.message, errors: [{ path: error.field, message: error.message }] });
      if (error instanceof SyntaxError)
        return send(400, { title: 'Body is not JSON', status: 400, detail: 'Send {"service":"cosmos","mode":"unavailable","duration":"PT2H"}.' });
      throw error;
    }
  }
  const id = /^\/faults\/([\w-]+)$/.exec(url)?.[1];
  if (method === 'DELETE' && id) return send(faults.remove(id) ? 204 : 404);
  send(405);
}

const shutdown = (): void => {
  void Promise.allSettled(closers.map((close) => close())).then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
