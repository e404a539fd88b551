// A tenant whose data outgrows one logical partition keeps working (issue 17, "Done when"). The
// Cosmos stand-in caps each logical partition (scaled down from Azure's 20 GB); `tenant-data` is
// keyed on the tenant and a bucket, so one tenant's records, their audit entries and the audit
// entries of its reads spread over many logical partitions, each under the cap, while the tenant's
// data as a whole is several times the cap. Its audit log verifies across every bucket, also
// against the nightly signed anchor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { itemBytes } from '../../dev/standins/cosmos/partition-cap.js';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';

/** The scaled-down logical partition cap for this test (Azure: 20 GB). */
const CAP_BYTES = 24_000;
const MONTHS = 3;
const RECORDS_PER_MONTH = 10;
const READS_PER_RECORD = 2;

interface Verification {
  valid: boolean;
  entries: number;
  head: { seq: number };
  chains: { chain: string; seq: number }[];
  anchoredThrough?: { seq: number };
  firstBreak?: unknown;
}

describe('a tenant larger than one logical partition', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system);
  });
  after(async () => {
    await system?.stop();
  });

  const recordPath = (recordId: string): string => `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${recordId}`;

  /** The tenant's documents grouped by logical partition (tenant and bucket), in the stand-in's own byte accounting. */
  async function partitionSizes(): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    for (const doc of await system.allDocuments('uksouth')) {
      if (doc['tenantId'] !== tenant.tenantId) continue;
      const bucket = String(doc['pk']);
      sizes.set(bucket, (sizes.get(bucket) ?? 0) + itemBytes(doc));
    }
    return sizes;
  }

  /**
   * The cap is on while the tenant's data is written and off while the clock moves a month on: the
   * stand-in applies it to every container, and the nightly signed anchors (in `certificates`, one
   * partition per tenant, a few KB a night) grow with days, not with the data this test compresses.
   */
  const capOn = (): Promise<unknown> => system.platformControl('POST', '/cosmos/uksouth/partition-cap', { bytes: CAP_BYTES });
  const capOff = (): Promise<unknown> => system.platformControl('POST', '/cosmos/uksouth/partition-cap', { bytes: null });

  test('records, corrections and audited reads past the cap all succeed; every bucket stays under it; the audit log verifies', async () => {
    await capOn();
    const person = await createUser(system, tenant);
    const colleague = await createUser(system, tenant);
    const recordIds: string[] = [];
    let audited = 0;
    for (let month = 0; month < MONTHS; month++) {
      for (let i = 0; i < RECORDS_PER_MONTH; i++) {
        const created = await createRecord(system, tenant, 'shift-logs', {
          subjectUserId: person.userId,
          peopleUserIds: [colleague.userId],
          data: { shift: `${month}-${i}`, site: 'North depot', notes: 'Handover completed; stock counted and signed off by the supervisor.' },
        });
        recordIds.push(created.recordId);
        audited++;
        for (let r = 0; r < READS_PER_RECORD; r++) {
          const read = await system.get(recordPath(created.recordId), tenant.adminToken);
          assert.equal(read.status, 200, JSON.stringify(read.body));
          audited++;
        }
        if (i === 0) {
          const corrected = await system.request('PATCH', recordPath(created.recordId), {
            token: tenant.adminToken,
            body: { data: { site: 'South depot' }, reason: 'entered against the wrong site' },
            headers: { 'if-match': created.etag },
          });
          assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
          audited++;
        }
      }
      await capOff();
      await system.advance('P31D');
      await capOn();
    }

    // A record from the first month still reads back, from its own bucket.
    const first = await system.get<{ data: Record<string, unknown> }>(recordPath(recordIds[0]!), tenant.adminToken);
    assert.equal(first.status, 200);
    assert.equal(first.body.data['site'], 'South depot');

    // An idempotent create retried: one record, the same answer (its stored reply is kept in the record's bucket).
    const idempotent = {
      token: tenant.adminToken,
      body: { subjectUserId: person.userId, data: { shift: 'retried' } },
      headers: { 'idempotency-key': 'growth-retried-create' },
    };
    const once = await system.request<{ recordId: string }>('POST', `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, idempotent);
    const twice = await system.request<{ recordId: string }>('POST', `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, idempotent);
    assert.equal(once.status, 201);
    assert.equal(twice.body.recordId, once.body.recordId);
    audited++;

    // Erasing the person rewrites every record naming them, bucket by bucket, and stays audited.
    const erased = await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${person.userId}`, { token: tenant.adminToken });
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    const stillNaming = (await system.allDocuments('uksouth')).filter(
      (d) => d['tenantId'] === tenant.tenantId && d['type'] === 'record' && d['subjectUserId'] === person.userId,
    );
    assert.deepEqual(stillNaming, [], 'no record names the erased person any more');

    const sizes = await partitionSizes();
    const total = [...sizes.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(total > 3 * CAP_BYTES, `the tenant holds ${total} bytes, more than three logical partitions' worth (${CAP_BYTES} each)`);
    for (const [bucket, bytes] of sizes) assert.ok(bytes <= CAP_BYTES, `bucket ${bucket} holds ${bytes} bytes, within the cap`);
    assert.ok([...sizes.keys()].filter((b) => b.startsWith('a-')).length >= MONTHS, 'reads are audited in one bucket per month');
    assert.ok([...sizes.keys()].filter((b) => b.startsWith('r-')).length > 10, 'records spread over record buckets');

    await capOff();
    await system.advance('P1D'); // past 02:00 UTC: the nightly anchor signs every chain's head, in every bucket
    // Counted before the verification, whose own audit entry is written after it has walked the log.
    const storedEntries = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'audit').length;
    const verified = await system.get<Verification>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(verified.status, 200);
    assert.equal(verified.body.valid, true, JSON.stringify(verified.body.firstBreak));
    assert.equal(verified.body.entries, storedEntries, 'verification walked every entry in every bucket');
    assert.equal(verified.body.head.seq, storedEntries);
    assert.ok(storedEntries >= audited, `every request above was audited (${storedEntries} entries, at least ${audited})`);
    assert.ok(verified.body.chains.some((c) => c.chain.includes('@a-')) && verified.body.chains.some((c) => c.chain.includes('@r-')));
    assert.equal(verified.body.anchoredThrough?.seq, storedEntries, 'the signed anchor covers the heads of every bucket');
  });

  test('a bucket at the cap refuses its writes with 503 STORE.PARTITION_FULL and nothing written, while the tenant\'s other buckets keep working', async () => {
    // The tenant bucket (users, settings) is made full: the cap is set just above what it holds.
    const inTenantBucket = (await partitionSizes()).get('t') ?? 0;
    await system.platformControl('POST', '/cosmos/uksouth/partition-cap', { bytes: inTenantBucket + 200 });
    try {
      const refused = await system.request<{ code: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
        token: tenant.adminToken,
        body: { name: 'Late Joiner', email: 'late.joiner@customer.test', role: 'Driver', department: 'Operations' },
      });
      assert.equal(refused.status, 503);
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(refused.body.code, 'STORE.PARTITION_FULL');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.equal((await partitionSizes()).get('t'), inTenantBucket, 'nothing was written to the full bucket');
      // A record lives in its own bucket: it is created, audited there, and reads back.
      const created = await createRecord(system, tenant, 'shift-logs', { data: { shift: 'after the tenant bucket filled' } });
      assert.equal((await system.get(recordPath(created.recordId), tenant.adminToken)).status, 200);
    } finally {
      await capOff();
    }
    const verified = await system.get<Verification>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(verified.body.valid, true);
  });
});
