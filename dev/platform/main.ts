// The local "Azure": every stand-in the app talks to, in one process that outlives host restarts
// (as Cosmos DB and Key Vault outlive a Functions worker). One Cosmos account, one storage account
// and one Key Vault per region, so residency is observable; one email service.
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installVirtualDate } from '../host/clock.js';
import { startCosmos } from '../standins/cosmos.js';
import { RestoreWindowError } from '../standins/cosmos/restore-history.js';
import { startAzurite } from '../standins/azurite.js';
import { startKeyVault } from '../standins/keyvault.js';
import { startEmail } from '../standins/email.js';
import { REGIONS, type PlatformAddresses } from './addresses.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string', default: '.local' },
    clock: { type: 'string', default: 'real' },
  },
});
const stateDir = values['state-dir'];
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
const cosmosStandIns = new Map<string, Awaited<ReturnType<typeof startCosmos>>>();
const cosmos: PlatformAddresses['cosmos'] = {};
const keyVault: PlatformAddresses['keyVault'] = {};
const storage: PlatformAddresses['storage'] = {};
for (const region of REGIONS) {
  const c = await startCosmos({ region });
  closers.push(() => c.close());
  cosmosStandIns.set(region, c);
  cosmos[region] = { endpoint: c.endpoint, key: c.key };
  // As provisioned in infra/: purge protection on, 7-day soft-delete retention.
  const kv = await startKeyVault({ name: `kv-${region}`, stateFile: join(stateDir, `keyvault-${region}.json`), purgeProtection: true, softDeleteRetentionDays: 7 });
  closers.push(() => kv.close());
  keyVault[region] = { url: kv.url };
  const blob = await startAzurite({});
  closers.push(() => blob.close());
  storage[region] = { blobUrl: blob.blobUrl, accountName: blob.accountName, accountKey: blob.accountKey, connectionString: blob.connectionString };
}
const email = await startEmail({ accessKey: EMAIL_ACCESS_KEY, stateFile: join(stateDir, 'email-outbox.json') });
closers.push(() => email.close());

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
    // Test controls of the Cosmos stand-ins: request counts (benchmarks) and a write hold (crash tests).
    const cosmosControl = /^\/cosmos\/([a-z]+)\/(stats|stats\/reset|hold|release|restore)$/.exec(req.url ?? '');
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
        res.writeHead(204).end();
        return;
      }
    }
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', now: new Date().toISOString() }));
      return;
    }
    res.writeHead(404).end();
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlAddress = control.address();
const controlUrl = typeof controlAddress === 'object' && controlAddress ? `http://127.0.0.1:${controlAddress.port}` : '';

const addresses: PlatformAddresses = {
  controlUrl,
  cosmos,
  keyVault,
  storage,
  email: { url: email.url, connectionString: email.connectionString },
};
writeFileSync(join(stateDir, 'platform.json'), JSON.stringify(addresses, null, 2));
process.stdout.write(`PLATFORM_READY ${JSON.stringify(addresses)}\n`);

const shutdown = (): void => {
  void Promise.allSettled(closers.map((close) => close())).then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
