// What one tenant stores per unit of work, measured on the running app: the bytes of an audit entry,
// a record and a user as stored in `tenant-data` (JSON, system properties included), from a tenant
// driven through the API (users, shift-log records, reads of users: every request audited). The
// per-tenant ceiling under a logical partition's 20 GB follows from these and the stated workload,
// before (one logical partition per tenant) and after the buckets of `tenant-data`'s hierarchical key
// (shared/store/buckets.ts; infra/README.md, "Data layout and the per-tenant ceiling").
import { LocalSystem } from '../test/support/local-system.js';
import { createRecord, createUser, provisionTenant } from '../test/support/builders.js';
import type { BenchResult } from './run.js';

const USERS = 20;
const RECORDS = 100;
const READS = 100;
const LOGICAL_PARTITION_BYTES = 20 * 1024 ** 3;

/** Stated workload: a large customer, 20,000 staff, each a shift-log record and ten audited requests a working day. */
const STAFF = 20_000;
const RECORDS_PER_STAFF_DAY = 1;
const REQUESTS_PER_STAFF_DAY = 10;
const WORKING_DAYS_PER_YEAR = 250;
const WORKING_DAYS_PER_MONTH = 21;
/** Record buckets (`r-00` to `r-ff`): a record id's first two hex digits. */
const RECORD_BUCKETS = 256;

export async function run(): Promise<BenchResult> {
  const system = await LocalSystem.start({ withPlatform: true });
  try {
    const tenant = await provisionTenant(system);
    const users = [];
    for (let i = 0; i < USERS; i++) users.push(await createUser(system, tenant));
    for (let i = 0; i < RECORDS; i++) {
      const data = { date: '2026-11-03', notes: 'Night shift; handover done.' };
      await createRecord(system, tenant, 'shift-logs', { subjectUserId: users[i % USERS]!.userId, data });
    }
    for (let i = 0; i < READS; i++) await system.get(`/api/tenants/${tenant.tenantId}/users/${users[i % USERS]!.userId}`, tenant.adminToken);

    const docs = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    const bytesOf = (type: (t: string) => boolean): { count: number; mean: number } => {
      const chosen = docs.filter((d) => type(String(d['type'])));
      const total = chosen.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0);
      return { count: chosen.length, mean: chosen.length ? total / chosen.length : 0 };
    };
    const audit = bytesOf((t) => t.startsWith('audit') && !t.includes('Head') && !t.includes('head'));
    const record = bytesOf((t) => t === 'record');
    const user = bytesOf((t) => t === 'user');
    const perDay = STAFF * (RECORDS_PER_STAFF_DAY * (record.mean + audit.mean) + REQUESTS_PER_STAFF_DAY * audit.mean);
    const types = [...new Set(docs.map((d) => String(d['type'])))].sort().join(', ');
    // After: a record and its audit entry go to one of 256 record buckets; reads (which change nothing) to the month's audit bucket.
    const recordBucketPerDay = (STAFF * RECORDS_PER_STAFF_DAY * (record.mean + audit.mean)) / RECORD_BUCKETS;
    const readMonth = STAFF * REQUESTS_PER_STAFF_DAY * audit.mean * WORKING_DAYS_PER_MONTH;
    const tenantBucketBytes = docs.filter((d) => d['pk'] === 't').reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0);
    const buckets = new Set(docs.map((d) => String(d['pk'])));
    return {
      'document types seen': types,
      'audit entries measured': audit.count,
      'bytes per audit entry (mean)': audit.mean,
      'records measured': record.count,
      'bytes per record (mean)': record.mean,
      'bytes per user (mean)': user.mean,
      'workload: staff, records and audited requests per staff-day': `${STAFF}, ${RECORDS_PER_STAFF_DAY}, ${REQUESTS_PER_STAFF_DAY}`,
      'bytes per working day': perDay,
      'years to 20 GB in one logical partition (/tenantId)': LOGICAL_PARTITION_BYTES / perDay / WORKING_DAYS_PER_YEAR,
      'audit share of the growth': (STAFF * (RECORDS_PER_STAFF_DAY + REQUESTS_PER_STAFF_DAY) * audit.mean) / perDay,
      'buckets this run used (tenant, record, monthly audit)': `${[...buckets].filter((b) => b === 't').length}, ${[...buckets].filter((b) => b.startsWith('r-')).length}, ${[...buckets].filter((b) => b.startsWith('a-')).length}`,
      'tenant bucket bytes per user this run (users, keys, configuration)': tenantBucketBytes / USERS,
      'after: bytes a month of reads adds to its audit bucket': readMonth,
      'after: staff at which a month of reads fills 20 GB': (LOGICAL_PARTITION_BYTES / readMonth) * STAFF,
      'after: years until one record bucket holds 20 GB': LOGICAL_PARTITION_BYTES / recordBucketPerDay / WORKING_DAYS_PER_YEAR,
      'after: years until the tenant bucket holds 20 GB at one audited tenant-level change per staff-day':
        LOGICAL_PARTITION_BYTES / (STAFF * audit.mean) / WORKING_DAYS_PER_YEAR,
    };
  } finally {
    await system.stop();
  }
}
