// `npm run load`: the API under concurrent load on the local host (product app, real SDKs, local
// stand-ins), driven by autocannon. Four operations, create-record, read-user, rectify-user and
// list-DSARs, each for one tenant and for 50 tenants in parallel, every run bounded in requests and
// in seconds. Reported as ratios to GET /api/health measured in the same run at the same
// concurrency (throughput and p50/p99 latency), with the error rate; any 5xx fails the run. Then
// every tenant's audit log must verify and have grown by exactly one entry per successful request.
// Before the load, the cost of each operation in requests to Cosmos DB and Key Vault, counted at
// the stand-ins, on a cold instance (host restarted: no cached keys or containers) and warm.
//
//   npm run load -- [--requests 300] [--seconds 20] [--connections 10] [--tenants 50] [--provision-parallel 8]
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { LocalSystem } from '../../test/support/local-system.js';
import { createUser, provisionTenant, type TenantFixture } from '../../test/support/builders.js';
import { mapBounded } from './bounded.js';
import { operationCosts, OPERATION_NAMES, requestFor, type Slot } from './operations.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    tenants: { type: 'string', default: '50' },
    'provision-parallel': { type: 'string', default: '8' },
  },
});
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const TENANTS = Number(args.tenants);
const PROVISION_PARALLEL = Number(args['provision-parallel']);

interface Measured {
  result: Result;
  /** Successful (2xx) requests per tenant. */
  successes: Map<string, number>;
  /** Completed requests per second, from the first request sent to the last answer received. */
  throughput: number;
}

// A request autocannon gave up on may still have been carried out and audited by the host, and
// then the audit count cannot be checked: the per-request timeout is generous, and the time bound
// lets every request in flight finish (a connection sends nothing more once the time is up).
const REQUEST_TIMEOUT_SECONDS = 120;

/** One bounded autocannon run: at most REQUESTS requests, and no new request after SECONDS seconds. */
async function load(url: string, connections: number, request: (successes: Map<string, number>) => RequestSpec): Promise<Measured> {
  const successes = new Map<string, number>();
  let timeUp = false;
  const started = Date.now();
  let lastAnswer = started;
  const instance = autocannon({
    url,
    connections,
    amount: REQUESTS,
    timeout: REQUEST_TIMEOUT_SECONDS,
    requests: [request(successes)],
    setupClient: (client) => {
      client.on('response', () => {
        lastAnswer = Date.now();
        // Runs before the client sends its next request: at the limit, autocannon ends the connection.
        if (timeUp) client.responseMax = client.reqsMade;
      });
    },
  });
  const timer = setTimeout(() => (timeUp = true), SECONDS * 1000);
  try {
    const result = await instance;
    return { result, successes, throughput: completed(result) / Math.max((lastAnswer - started) / 1000, 0.001) };
  } finally {
    clearTimeout(timer);
  }
}

const completed = (r: Result): number => r['2xx'] + r.non2xx;

async function main(): Promise<void> {
  const started = Date.now();
  const system = await LocalSystem.start({
    withPlatform: true,
    // The per-instance rate limits would answer 429 long before the host is loaded.
    settings: { RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: '1000000', RATE_LIMIT_PER_CALLER_TENANT_PER_MINUTE: '1000000' },
  });
  let failed = false;
  const lines: string[] = [];
  const print = (name: string, value: string | number): void => {
    const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toPrecision(3)) : value;
    lines.push(`  ${name.padEnd(70)} ${text}`);
    process.stdout.write(`${lines.at(-1)}\n`);
  };
  try {
    // Tenants: the first has one user per connection, each other tenant one user. Provisioned a
    // few at a time, as customers arriving together would be (any 5xx fails the run here).
    const provisioning = Date.now();
    const tenants = await mapBounded(Array.from({ length: TENANTS }), PROVISION_PARALLEL, () => provisionTenant(system));
    const slotFor = async (tenant: TenantFixture): Promise<Slot> => {
      const user = await createUser(system, tenant);
      return { tenantId: tenant.tenantId, token: tenant.adminToken, userId: user.userId, etag: user.etag };
    };
    const oneTenant = await Promise.all(Array.from({ length: CONNECTIONS }, () => slotFor(tenants[0]!)));
    const manyTenants = [oneTenant[0]!, ...(await mapBounded(tenants.slice(1), PROVISION_PARALLEL, slotFor))];
    process.stdout.write(`\n== set-up\n`);
    print(`tenants provisioned, ${PROVISION_PARALLEL} at a time, with their users (s)`, Math.round((Date.now() - provisioning) / 1000));

    process.stdout.write('\n== cost per operation, counted at the stand-ins\n');
    const costs = await operationCosts(system, tenants[tenants.length - 1]!, await slotFor(tenants[tenants.length - 1]!));
    for (const [name, cost] of Object.entries(costs)) print(name, cost);

    // Audit heads before the load: two verifications give what one verification itself adds.
    const verify = async (tenant: TenantFixture): Promise<{ valid: boolean; entries: number }> => {
      const answer = await system.get<{ valid: boolean; entries: number }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    const before = new Map<string, { entries: number; perVerify: number }>();
    await mapBounded(tenants, PROVISION_PARALLEL, async (tenant) => {
      const first = await verify(tenant);
      const second = await verify(tenant);
      before.set(tenant.tenantId, { entries: second.entries, perVerify: second.entries - first.entries });
    });

    const total = new Map<string, number>();
    let allRequests = 0;
    let errors = 0;
    let serverErrors = 0;
    for (const [mode, slots] of [['one tenant', oneTenant], [`${manyTenants.length} tenants in parallel`, manyTenants]] as const) {
      process.stdout.write(`\n== ${mode}: ${slots.length} connections, at most ${REQUESTS} requests and ${SECONDS} s per operation\n`);
      const health = await load(system.url, slots.length, () => ({ method: 'GET', path: '/api/health' }));
      assert.equal(health.result.non2xx + health.result.errors, 0, 'GET /api/health failed under load');
      print('GET /api/health: requests per second (this machine, for orientation only)', health.throughput);
      for (const operation of OPERATION_NAMES) {
        const run = await load(system.url, slots.length, (successes) => requestFor(operation, slots, successes));
        const r = run.result;
        for (const [tenantId, count] of run.successes) total.set(tenantId, (total.get(tenantId) ?? 0) + count);
        allRequests += completed(r) + r.errors + r.timeouts;
        errors += r.non2xx + r.errors + r.timeouts;
        serverErrors += r['5xx'];
        print(`${operation}: throughput / health`, run.throughput / health.throughput);
        print(`${operation}: p50 latency / health p50`, r.latency.p50 / Math.max(health.result.latency.p50, 1));
        print(`${operation}: p99 latency / health p99`, r.latency.p99 / Math.max(health.result.latency.p99, 1));
        const statuses = Object.entries(r.statusCodeStats).map(([status, { count }]) => `${status}×${count}`).join(' ');
        print(`${operation}: requests (status×count), errors, timeouts`, `${completed(r)} (${statuses}), ${r.errors}, ${r.timeouts}`);
      }
    }
    process.stdout.write('\n== outcome\n');
    print('error rate (non-2xx, connection errors and timeouts / requests)', allRequests === 0 ? 0 : errors / allRequests);
    print('5xx answers (must be 0)', serverErrors);
    if (serverErrors > 0) failed = true;

    let broken = 0;
    let miscounted = 0;
    const afterLoad = await mapBounded(tenants, PROVISION_PARALLEL, verify);
    for (const [index, tenant] of tenants.entries()) {
      const after = afterLoad[index]!;
      const { entries, perVerify } = before.get(tenant.tenantId)!;
      const expected = entries + (total.get(tenant.tenantId) ?? 0) + perVerify;
      if (!after.valid) broken++;
      if (after.entries !== expected) {
        miscounted++;
        process.stdout.write(`  tenant ${tenant.tenantId}: ${after.entries} audit entries, expected ${expected}\n`);
      }
    }
    print('audit logs verifying', `${tenants.length - broken} of ${tenants.length}`);
    print('audit logs with exactly one new entry per successful request', `${tenants.length - miscounted} of ${tenants.length}`);
    if (broken > 0 || miscounted > 0) failed = true;
    print('wall time of the whole run (s)', Math.round((Date.now() - started) / 1000));
  } finally {
    await system.stop();
  }
  process.stdout.write(failed ? '\nLOAD FAILED\n' : '\nload passed\n');
  process.exit(failed ? 1 : 0);
}

await main();
