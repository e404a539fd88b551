// What a customer's DPO and auditor get: the record of processing of a UK and an EU tenant (right
// region and Azure location, data categories counted from the tenant's data, JSON and CSV), an
// evidence pack built in the tenant's region whose manifest digests match its files and whose
// signature verifies against the published JWKS using node's crypto alone, one pack at a time per
// tenant, and audit requests limited to one a year unless ops.platform records a justification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';

interface RecordBody {
  processor: { name: string; dpo: { email: string } };
  controller: { tenantId: string; region: string; contacts: { role: string; email: string }[] };
  dataCategories: { category: string; count: number }[];
  subProcessors: { version: number; subProcessors: { name: string }[] };
  region: { key: string; azureLocation: string; backupLocation: string };
  transfers: { supportAccess: { grantsAvailable: boolean } };
  securityMeasures: { measure: string }[];
}

interface PackBody {
  evidencePackId: string;
  status: string;
  manifest?: string;
  sha256?: string;
  files?: { name: string; sha256: string }[];
  download?: { url: string };
}

/** The files of a ustar archive, read with nothing but Buffer. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('ascii').split('\0')[0]!;
    const size = parseInt(header.subarray(124, 136).toString('ascii').split('\0')[0]!.trim(), 8);
    files.set(name, archive.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Verifies a compact JWS (ES256) against a JWKS with node's crypto only; returns its payload. */
function verifyJws(jws: string, jwks: { keys: (JsonWebKey & { kid: string })[] }): Record<string, unknown> {
  const [header, payload, signature] = jws.split('.');
  const { alg, kid } = JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')) as { alg: string; kid: string };
  assert.equal(alg, 'ES256');
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, `the JWKS publishes key ${kid}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'));
  assert.ok(valid, 'the signature verifies');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('records of processing and evidence packs', () => {
  let system: LocalSystem;
  let uk: TenantFixture;
  let eu: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    uk = await provisionTenant(system, { region: 'uksouth' });
    eu = await provisionTenant(system, { region: 'eu' });
    const ada = await createUser(system, uk);
    await createUser(system, uk);
    await createRecord(system, uk, 'shift-logs', { subjectUserId: ada.userId, data: { date: '2026-11-02', hours: 8 } });
    const eve = await createUser(system, eu);
    await createRecord(system, eu, 'approval-chains', { peopleUserIds: [eve.userId], data: { step: 'manager' } });
    await createRecord(system, eu, 'approval-chains', { peopleUserIds: [eve.userId], data: { step: 'director' } });
    const dsar = await system.post(
      `/api/tenants/${eu.tenantId}/dsars`,
      { type: 'access', subject: { userId: eve.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'DE' },
      eu.adminToken,
    );
    assert.equal(dsar.status, 201, JSON.stringify(dsar.body));
  });
  after(async () => {
    await system?.stop();
  });

  const count = (record: RecordBody, category: string): number | undefined => record.dataCategories.find((c) => c.category.startsWith(category))?.count;

  test('the record of processing of a UK and an EU tenant names its region, Azure location and the data it holds', async () => {
    const ukRecord = await system.get<RecordBody>(`/api/tenants/${uk.tenantId}/records-of-processing`, uk.adminToken);
    assert.equal(ukRecord.status, 200, JSON.stringify(ukRecord.body));
    assert.deepEqual(ukRecord.body.region, { ...ukRecord.body.region, key: 'uksouth', azureLocation: 'uksouth', backupLocation: 'uksouth' });
    assert.equal(count(ukRecord.body, 'user identification'), 2);
    assert.equal(count(ukRecord.body, 'operational records: shift-logs'), 1);
    assert.equal(count(ukRecord.body, 'operational records: approval-chains'), 0);
    assert.equal(count(ukRecord.body, 'nominated'), 2);
    assert.equal(ukRecord.body.processor.name, 'Opsium');
    assert.equal(ukRecord.body.processor.dpo.email, 'dpo@vendor.notifications.local');
    assert.deepEqual(ukRecord.body.controller.contacts.map((c) => c.email).sort(), [uk.contacts.privacy[0]!.email, uk.contacts.security[0]!.email].sort());
    assert.ok(ukRecord.body.subProcessors.subProcessors.some((s) => s.name === 'Microsoft Azure'));
    assert.equal(ukRecord.body.transfers.supportAccess.grantsAvailable, true);
    assert.ok(ukRecord.body.securityMeasures.some((m) => m.measure === 'audit chain'));

    const euRecord = await system.get<RecordBody>(`/api/tenants/${eu.tenantId}/records-of-processing`, eu.adminToken);
    assert.equal(euRecord.body.region.key, 'eu');
    assert.equal(euRecord.body.region.azureLocation, 'westeurope');
    assert.equal(count(euRecord.body, 'user identification'), 1);
    assert.equal(count(euRecord.body, 'operational records: approval-chains'), 2);
    assert.equal(count(euRecord.body, 'data-subject requests'), 1);

    const csv = await system.request('GET', `/api/tenants/${eu.tenantId}/records-of-processing?format=csv`, { token: eu.adminToken });
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = parseCsv(csv.body as string);
    assert.deepEqual(rows[0], ['section', 'item', 'value']);
    assert.ok(rows.some((r) => r[0] === 'region' && r[1] === 'Azure location' && r[2] === 'westeurope'));

    assert.equal((await system.get(`/api/tenants/${eu.tenantId}/records-of-processing`, uk.adminToken)).status, 403, "another tenant's admin is refused");
    assert.equal((await system.get(`/api/tenants/${eu.tenantId}/records-of-processing`, await opsToken(system, 'support'))).status, 403);
  });

  test('an evidence pack is built in the tenant region, one at a time; its manifest digests match its files and its signature verifies with node crypto against the JWKS', async () => {
    await system.advance('P1D'); // past 02:00 UTC: the nightly anchor signs the audit chain heads
    const path = `/api/tenants/${eu.tenantId}/evidence-packs`;
    const [first, second] = await Promise.all([
      system.post<PackBody>(path, undefined, eu.adminToken),
      system.post<PackBody>(path, undefined, eu.adminToken),
    ]);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(second.status, 202, JSON.stringify(second.body));
    assert.equal(first.body.evidencePackId, second.body.evidencePackId, 'a second request while one is built gets the running one');
    await system.settle();

    const done = await system.get<PackBody>(`${path}/${first.body.evidencePackId}`, eu.adminToken);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, 'ready', JSON.stringify(done.body));
    assert.match(done.body.download!.url, /\/packages\/t-eu-/, 'stored in the EU storage account');
    assert.ok((await system.blobNames('eu', 'packages')).some((n) => n.includes(`evidence-${first.body.evidencePackId}`)));
    assert.ok(!(await system.blobNames('uksouth', 'packages')).some((n) => n.includes(first.body.evidencePackId)), 'nothing of it in UK storage');

    const archive = Buffer.from(await (await fetch(done.body.download!.url)).arrayBuffer());
    assert.equal(sha256(archive), done.body.sha256);
    const files = untar(archive);
    const jwks = (await (await fetch(`${system.url}/api/.well-known/jwks.json`)).json()) as { keys: (JsonWebKey & { kid: string })[] };
    assert.equal(files.get('manifest.jws')?.toString('ascii'), done.body.manifest);
    const manifest = verifyJws(done.body.manifest!, jwks) as { sub: string; files: { name: string; bytes: number; sha256: string }[] };
    assert.equal(manifest.sub, eu.tenantId);
    assert.deepEqual(JSON.parse(files.get('manifest.json')!.toString('utf8')), manifest);
    const listed = manifest.files.map((f) => f.name).sort();
    assert.deepEqual(listed, [
      'README.txt',
      'audit-verification.json',
      'breach-notices.json',
      'dsar-statistics.json',
      'record-of-processing.json',
      'residency.json',
      'sub-processors.json',
      'support-access.json',
    ]);
    for (const entry of manifest.files) {
      const content = files.get(entry.name);
      assert.ok(content, `${entry.name} is in the archive`);
      assert.equal(sha256(content), entry.sha256, `${entry.name} matches its digest`);
      assert.equal(content.length, entry.bytes);
    }

    const read = (name: string) => JSON.parse(files.get(name)!.toString('utf8')) as Record<string, unknown>;
    assert.equal((read('residency.json') as { azureLocation: string }).azureLocation, 'westeurope');
    const audit = read('audit-verification.json') as { valid: boolean; latestAnchor: { signed: string; seq: number } | null };
    assert.equal(audit.valid, true);
    assert.ok(audit.latestAnchor, 'the latest signed anchor is included');
    assert.equal((verifyJws(audit.latestAnchor.signed, jwks) as { seq: number }).seq, audit.latestAnchor.seq);
    const dsars = read('dsar-statistics.json') as {
      total: { received: number; openWithinDeadline: number };
      byType: { access: { received: number } };
    };
    assert.equal(dsars.total.received, 1);
    assert.equal(dsars.byType.access.received, 1);
    assert.equal(dsars.total.openWithinDeadline, 1);
    assert.equal((read('support-access.json') as { grantsAvailable: boolean }).grantsAvailable, true);
    assert.equal((read('record-of-processing.json') as unknown as RecordBody).region.key, 'eu');

    const tampered = Buffer.from(files.get('residency.json')!.toString('utf8').replace('westeurope', 'eastus'));
    assert.notEqual(sha256(tampered), manifest.files.find((f) => f.name === 'residency.json')!.sha256, 'an edited file no longer matches');

    const next = await system.post<PackBody>(path, undefined, eu.adminToken);
    assert.notEqual(next.body.evidencePackId, first.body.evidencePackId, 'once the pack is ready, the next request builds a new one');
    await system.settle();
    assert.equal((await system.get(`${path}/${first.body.evidencePackId}`, uk.adminToken)).status, 403);
  });

  test('audit requests: once a year (409 with the next allowed date) unless ops.platform records a justification', async () => {
    const path = `/api/tenants/${uk.tenantId}/audit-requests`;
    const body = { scope: 'Remote review of access controls', kind: 'remote', proposedDates: ['2027-03-01', '2027-03-08'] };
    const first = await system.post<{ auditRequestId: string; requestedAt: string; nextAllowedOn: string }>(path, body, uk.adminToken);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const requestedOn = first.body.requestedAt.slice(0, 10);
    const expectedNext = `${Number(requestedOn.slice(0, 4)) + 1}${requestedOn.slice(4)}`;
    assert.equal(first.body.nextAllowedOn, expectedNext);

    const again = await system.post<{ code: string; nextAllowedOn: string }>(path, body, uk.adminToken);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'AUDIT_REQUEST.TOO_SOON');
    assert.equal(again.body.nextAllowedOn, expectedNext);

    const selfJustified = await system.post(path, { ...body, justification: 'We had a breach' }, uk.adminToken);
    assert.equal(selfJustified.status, 403, 'only ops.platform records a justification');
    const justified = await system.post<{ justification: { text: string } }>(
      path,
      { ...body, justification: 'Follow-up audit after breach b-1 agreed with the customer' },
      await opsToken(system),
    );
    assert.equal(justified.status, 201, JSON.stringify(justified.body));
    const bad = await system.post<{ errors: { path: string }[] }>(path, { scope: '', proposedDates: ['next week'] }, uk.adminToken);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.path).sort(), ['proposedDates.0', 'scope']);
    const listed = await system.get<{ auditRequests: unknown[] }>(path, uk.adminToken);
    assert.equal(listed.body.auditRequests.length, 2);
  });
});
