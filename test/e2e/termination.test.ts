// Tenant termination end to end on the virtual clock: 30-day grace with reminders, read-only
// tenant, reactivation, deletion exactly at grace end, key destruction, and a deletion
// certificate that verifies with node's own crypto against the public JWKS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { seedItems } from '../../dev/standins/cosmos/seed.js';

const DAY = 24 * 3600_000;

interface TerminationBody {
  terminationId: string;
  returnPackage?: { files: number; rows: number };
  phase: string;
  effectiveAt: string;
  graceEndsAt: string;
  deletion?: { completedAt?: string; batches: number; stores: { store: string; items: number; byType: Record<string, number> }[] };
  keys?: { steps: { step: string; status: string; at: string }[] };
  backups?: { expireAt: string; status: string };
  certificates: { kind: string }[];
  notices: { kind: string; recipients: number }[];
}

/** Verifies a compact ES256 JWS with node's crypto (not jose) against a JWKS. */
function verifyWithNodeCrypto(jws: string, jwks: { keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }): Record<string, unknown> {
  const [header, payload, signature] = jws.split('.');
  const { kid, alg } = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { kid: string; alg: string };
  assert.equal(alg, 'ES256');
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, `the JWKS publishes key ${kid}`);
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  const valid = verifySignature('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'));
  assert.equal(valid, true, 'the signature verifies');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

describe('tenant termination', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  async function terminate(tenant: TenantFixture, body: Record<string, unknown> = { disposition: 'delete' }): Promise<TerminationBody> {
    const response = await system.post<TerminationBody>(`/api/tenants/${tenant.tenantId}/termination`, body, tenant.adminToken);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    await system.settle();
    return response.body;
  }

  async function termination(tenant: TenantFixture): Promise<TerminationBody> {
    const response = await system.get<TerminationBody>(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  }

  test('after the grace window every document, key and email address of the tenant is gone, and the certificate verifies', async () => {
    const tenant = await provisionTenant(system);
    const bystander = await provisionTenant(system);
    const users = [await createUser(system, tenant), await createUser(system, tenant)];
    for (let i = 0; i < 5; i++) await createRecord(system, tenant, 'shift-logs', { subjectUserId: users[0]!.userId, data: { shift: i } });
    const bystanderUser = await createUser(system, bystander);
    const outboxBefore = (await system.outbox()).length;

    const started = await system.now();
    const requested = await terminate(tenant);
    assert.equal(requested.effectiveAt, started.toISOString());
    assert.equal(requested.graceEndsAt, new Date(started.getTime() + 30 * DAY).toISOString());
    assert.equal((await termination(tenant)).phase, 'grace');

    const again = await system.post<TerminationBody>(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete' }, tenant.adminToken);
    assert.equal(again.status, 202, 'the same request again is answered with the same termination');
    assert.equal(again.body.terminationId, requested.terminationId);
    const different = await system.post(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'return-then-delete' }, tenant.adminToken);
    assert.equal(different.status, 409, 'a different one is a conflict, never a second workflow');

    const readOnly = await system.request<{ code: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Late', email: 'late@customer.test' },
    });
    assert.equal(readOnly.status, 409);
    assert.equal(readOnly.body.code, 'TENANT.READ_ONLY');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${users[0]!.userId}`, tenant.adminToken)).status, 200, 'reads still work in grace');
    const dsar = await system.post<{ dsarId: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      { type: 'access', subject: { userId: users[1]!.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(dsar.status, 201, `data-subject requests are still answered in grace: ${JSON.stringify(dsar.body)}`);

    const graceEnd = new Date(requested.graceEndsAt);
    await system.advanceTo(new Date(graceEnd.getTime() - 1000));
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/users/${users[0]!.userId}`, tenant.adminToken)).status,
      200,
      'one second before grace ends the data is still there',
    );
    const notices = (await system.outbox()).slice(outboxBefore);
    const subjects = notices.map((n) => n.subject);
    assert.equal(subjects.filter((s) => /grace window started/.test(s)).length, 2, 'start notice to each contact');
    assert.equal(subjects.filter((s) => /7 days until deletion/.test(s)).length, 2);
    assert.equal(subjects.filter((s) => /1 day until deletion/.test(s)).length, 2);
    const reminder = notices.find((n) => /1 day until deletion/.test(n.subject))!;
    assert.equal(reminder.sentAt, new Date(graceEnd.getTime() - DAY).toISOString(), 'the last reminder went out exactly one day before');

    await system.advance('PT1S');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${users[0]!.userId}`, tenant.adminToken)).status, 404);
    const remaining = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.deepEqual(remaining, [], 'no document of the tenant is left in tenant data');
    const keyGone = await system.keyVault('uksouth').getKey(`tenant-${tenant.tenantId}`).then(() => false, () => true);
    assert.ok(keyGone, 'the tenant key is no longer usable');
    assert.equal(
      (await system.get(`/api/tenants/${bystander.tenantId}/users/${bystanderUser.userId}`, bystander.adminToken)).status,
      200,
      'another tenant is untouched',
    );

    const afterDeletion = await termination(tenant);
    assert.equal(afterDeletion.phase, 'awaiting-key-purge');
    const store = afterDeletion.deletion!.stores[0]!;
    assert.equal(store.byType['user'], 2);
    assert.equal(store.byType['record'], 5);
    assert.equal(store.byType['tenant'], 1);
    assert.equal(store.byType['tenantKey'], 1);
    assert.equal(store.items, Object.values(store.byType).reduce((a, b) => a + b, 0));
    assert.equal(afterDeletion.keys!.steps.find((s) => s.step === 'unrecoverable')!.status, 'pending');

    const jwks = (await system.get<{ keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }>('/api/.well-known/jwks.json')).body;
    const interim = await system.get<{ certificate: string; claims: Record<string, unknown> }>(
      `/api/tenants/${tenant.tenantId}/deletion-certificate`,
      tenant.adminToken,
    );
    assert.equal(interim.status, 200);
    const interimClaims = verifyWithNodeCrypto(interim.body.certificate, jwks);
    assert.equal(interimClaims['kind'], 'interim');
    assert.equal(interimClaims['sub'], tenant.tenantId);
    assert.equal((interimClaims['outstanding'] as string[]).length, 2, 'key purge and backup expiry still to come, said plainly');
    assert.deepEqual((interimClaims['deletionLog'] as { entries: number }).entries > 0, true);
    const certificateMails = (await system.outbox()).filter((n) => /Deletion certificate \(interim\)/.test(n.subject));
    assert.equal(certificateMails.length, 2, 'the interim certificate is emailed to each contact');
    assert.ok(certificateMails[0]!.text?.includes(interim.body.certificate));

    await system.advance('P8D');
    assert.equal((await termination(tenant)).phase, 'awaiting-backup-expiry', 'the key purge was confirmed');
    await system.advance('P23D');
    const done = await termination(tenant);
    assert.equal(done.phase, 'completed');
    assert.equal(done.backups!.status, 'expired');
    const final = await system.get<{ certificate: string }>(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken);
    const finalClaims = verifyWithNodeCrypto(final.body.certificate, jwks);
    assert.equal(finalClaims['kind'], 'final');
    assert.deepEqual(finalClaims['outstanding'], []);
    assert.equal((await system.outbox()).filter((n) => /Deletion certificate \(final\)/.test(n.subject)).length, 2);
    const leftovers = (await system.allDocuments('uksouth', 'certificates')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.ok(!leftovers.some((d) => d['type'] === 'certificateRecipients'), 'the contacts kept for delivery are gone');
    assert.ok(!JSON.stringify(leftovers).includes(tenant.contacts.privacy[0]!.email), 'no contact address survives');
    const ops = await opsToken(system);
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/deletion-certificate`, ops)).status, 200, 'vendor staff can produce it for an auditor');
  });

  test('reactivation within the grace window keeps everything; after it, reactivation is refused', async () => {
    const tenant = await provisionTenant(system, { region: 'eu' });
    const user = await createUser(system, tenant);
    const requested = await terminate(tenant);
    await system.advance('P29D');
    const cancel = await system.post<TerminationBody>(`/api/tenants/${tenant.tenantId}/termination/cancel`, undefined, tenant.adminToken);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.phase, 'cancelled');
    await system.settle();
    await system.advanceTo(new Date(Date.parse(requested.graceEndsAt) + DAY));
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${user.userId}`, tenant.adminToken)).status, 200, 'nothing was deleted');
    const write = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Back', email: 'back@customer.test' },
    });
    assert.equal(write.status, 201, 'the tenant is writable again');
    assert.equal(
      (await system.outbox()).filter(
        (n) => n.subject.includes('cancelled: tenancy reactivated') && n.to.some((t) => t.includes(tenant.contacts.privacy[0]!.email)),
      ).length,
      1,
    );

    const second = await terminate(tenant);
    await system.advanceTo(new Date(Date.parse(second.graceEndsAt)));
    const late = await system.post<{ code: string }>(`/api/tenants/${tenant.tenantId}/termination/cancel`, undefined, tenant.adminToken);
    assert.equal(late.status, 409, 'once grace has ended, reactivation is refused');
    assert.equal(late.body.code, 'TERMINATION.GRACE_ENDED');
    assert.equal((await termination(tenant)).phase, 'awaiting-key-purge');
  });

  test('a host killed in the middle of deletion resumes after restart, and every document is counted exactly once', async () => {
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);
    await createRecord(system, tenant, 'schedules', { subjectUserId: user.userId, data: { week: 1 } });
    // Bulk-load stored records (deletion neither reads nor decrypts them): 2,400 documents, three batches.
    const seeded = Array.from({ length: 2400 }, (_, i) => ({
      id: `record:schedules:r-seed${i}`,
      tenantId: tenant.tenantId,
      pk: 't',
      type: 'record',
      module: 'schedules',
      recordId: `r-seed${i}`,
      status: 'active',
    }));
    await seedItems(system.cosmosContainer('uksouth', 'tenant-data'), seeded, (item) => [item.tenantId, item.pk]);
    const requested = await terminate(tenant);
    await system.advanceTo(new Date(Date.parse(requested.graceEndsAt) - 1000));
    const expected: Record<string, number> = {};
    for (const doc of (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId))
      expected[String(doc['type'])] = (expected[String(doc['type'])] ?? 0) + 1;
    expected['audit'] = (expected['audit'] ?? 0) + 1; // the entry recording that deletion began

    await system.platformControl('POST', '/cosmos/uksouth/hold', { afterDeletes: 1500 });
    const advancing = system.advanceTo(new Date(requested.graceEndsAt)).catch(() => 'host killed');
    for (let i = 0; i < 400; i++) {
      const stats = await system.platformControl<{ heldRequests: number }>('GET', '/cosmos/uksouth/stats');
      if ((stats?.heldRequests ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const midway = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId).length;
    assert.ok(midway > 0 && midway < seeded.length, `killed mid-deletion (${midway} documents left)`);
    await system.crashAndRestartHost();
    assert.equal(await advancing, 'host killed');
    await system.platformControl('POST', '/cosmos/uksouth/release');
    await system.settle();

    const after = await termination(tenant);
    assert.equal(after.phase, 'awaiting-key-purge');
    // That last entry goes to a randomly chosen audit chain: its head is new if that chain was unused.
    const { auditHead: heads, ...byType } = after.deletion!.stores[0]!.byType;
    const { auditHead: headsBefore, ...expectedByType } = expected;
    assert.deepEqual(byType, expectedByType, 'counts per type match what was there, despite the crash');
    assert.ok(heads === headsBefore || heads === (headsBefore ?? 0) + 1, `audit chain heads: ${heads} deleted, ${headsBefore} there before the last entry`);
    assert.equal(after.deletion!.stores[0]!.items, Object.values(expectedByType).reduce((a, b) => a + b, 0) + (heads ?? 0));
    assert.equal((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId).length, 0);
    const certificate = await system.get<{ claims: { deletionLog: { entries: number } } }>(
      `/api/tenants/${tenant.tenantId}/deletion-certificate`,
      tenant.adminToken,
    );
    assert.equal(certificate.body.claims.deletionLog.entries, 4, 'three data batches and the tenant record');
  });

  test('return-then-delete emails that the package is ready, without a link; an admin of the tenant signs in to fetch it; deletion removes it too', async () => {
    const tenant = await provisionTenant(system, { region: 'eu' });
    const user = await createUser(system, tenant, { name: 'Rita Returned', email: 'rita@customer.test' });
    await createRecord(system, tenant, 'time-tracking', { subjectUserId: user.userId, data: { hours: 7.5, note: '=HYPERLINK("http://evil")' } });
    // A data-subject request (with its free text) and a breach notice: the package returns them too.
    const dsar = await system.post<{ dsarId: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      { type: 'access', subject: { userId: user.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(dsar.status, 201, JSON.stringify(dsar.body));
    assert.equal(
      (
        await system.post(
          `/api/tenants/${tenant.tenantId}/dsars/${dsar.body.dsarId}/refuse`,
          { reason: 'Rita asked for it twice in a week' },
          tenant.adminToken,
        )
      ).status,
      200,
    );
    const breach = await system.post<{ breachId: string }>(
      '/api/breaches',
      {
        awareAt: (await system.now()).toISOString(),
        summary: 'Rota export sent to a wrong recipient',
        nature: 'One rota export was emailed to a wrong address.',
        categoriesOfData: ['names'],
        categoriesOfSubjects: ['employees of the customer'],
        approxSubjects: 3,
        approxRecords: 3,
        likelyConsequences: 'Low.',
        measures: 'The recipient deleted it.',
        affectedTenants: [tenant.tenantId],
      },
      await opsToken(system, 'ops.breach'),
    );
    assert.equal(breach.status, 202, JSON.stringify(breach.body));
    await system.settle();
    const requested = await terminate(tenant, { disposition: 'return-then-delete' });
    const mails = (await system.outbox()).filter((m) => m.subject.includes('your data is ready to download'));
    assert.equal(mails.length, 2, 'one email per nominated contact');
    for (const mail of mails) {
      assert.doesNotMatch(`${mail.text ?? ''}\n${mail.html ?? ''}`, /https?:\/\/|href=/i, 'the email carries no URL');
      assert.match(mail.text ?? '', /sign in/);
    }
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/termination/returned-data`, await opsToken(system))).status,
      403,
      'vendor staff cannot fetch the customer data',
    );
    const returned = await system.get<{ links: { manifest: string; files: Record<string, string> } }>(
      `/api/tenants/${tenant.tenantId}/termination/returned-data`,
      tenant.adminToken,
    );
    assert.equal(returned.status, 200, JSON.stringify(returned.body));
    const manifest = (await (await fetch(returned.body.links.manifest)).json()) as {
      tenant: string;
      region: string;
      files: { name: string; rows: number; contents: string }[];
      rowCounts: Record<string, number>;
    };
    assert.equal(manifest.tenant, tenant.tenantId);
    assert.equal(manifest.region, 'eu');
    assert.equal(manifest.rowCounts['dsars'], 1, 'the manifest counts the data-subject requests');
    assert.equal(manifest.rowCounts['breach-notices'], 1, 'and the breach notices');
    assert.equal(manifest.rowCounts['users'], 1);
    assert.equal(manifest.rowCounts['records:time-tracking'], 1);
    for (const file of manifest.files)
      assert.equal(
        manifest.rowCounts[file.name.startsWith('records-') ? `records:${file.name.slice(8).replace(/\.(csv|json)$/, '')}` : file.contents],
        file.rows,
        file.name,
      );
    const dsars = (await (await fetch(returned.body.links.files['dsars.json']!)).json()) as {
      dsarId: string;
      status: string;
      refusal?: { reason: string };
    }[];
    assert.deepEqual(
      dsars.map((d) => [d.dsarId, d.status, d.refusal?.reason]),
      [[dsar.body.dsarId, 'refused', 'Rita asked for it twice in a week']],
    );
    assert.ok((await (await fetch(returned.body.links.files['dsars.csv']!)).text()).includes(dsar.body.dsarId));
    const notices = (await (await fetch(returned.body.links.files['breach-notices.json']!)).json()) as {
      breachId: string;
      content: { content: { summary: string } };
    }[];
    assert.deepEqual(
      notices.map((n) => [n.breachId, n.content.content.summary]),
      [[breach.body.breachId, 'Rota export sent to a wrong recipient']],
    );
    assert.ok((await (await fetch(returned.body.links.files['breach-notices.csv']!)).text()).includes(breach.body.breachId));
    const usersCsv = returned.body.links.files['users.csv'];
    assert.ok(usersCsv);
    const csv = await (await fetch(usersCsv)).text();
    assert.ok(csv.includes('rita@customer.test'), 'the returned users file holds the data');
    const recordsCsv = returned.body.links.files['records-time-tracking.csv'];
    const records = await (await fetch(recordsCsv!)).text();
    assert.ok(records.includes(`"'=HYPERLINK(""http://evil"")"`), 'a formula in the data comes out neutralised');
    assert.equal((await termination(tenant)).returnPackage?.files, manifest.files.length + 1);
    assert.equal(
      (await system.blobNames('uksouth', 'packages')).filter((n) => n.startsWith(tenant.tenantId)).length,
      0,
      'nothing in the other region',
    );
    assert.ok(
      (await system.blobNames('eu', 'packages')).some((n) => n.startsWith(`${tenant.tenantId}/`)),
      'the package is in the tenant region',
    );
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/users/${user.userId}`, tenant.adminToken)).status,
      200,
      'deletion still waits for grace end',
    );

    await system.advanceTo(new Date(requested.graceEndsAt));
    const after = await termination(tenant);
    // The package is kept 7 days (the retention sweep, as the lifecycle rule in Azure); what was left went with the tenant.
    const packages = after.deletion!.stores.find((s) => s.store === 'blob:packages');
    assert.ok(packages && packages.items <= manifest.files.length + 1, 'the package files left at deletion were deleted and counted');
    assert.deepEqual(
      (await system.blobNames('eu', 'packages')).filter((n) => n.startsWith(tenant.tenantId)),
      [],
      'the package is gone with the tenant',
    );
  });

  test('an admin who waives the grace window, naming the tenant, gets a final notice and deletion the same day', async () => {
    const tenant = await provisionTenant(system, { name: 'Waiver Works Ltd' });
    const user = await createUser(system, tenant);
    const ops = await opsToken(system);
    const byVendor = await system.post<{ code: string }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Waiver Works Ltd' },
      ops,
    );
    assert.equal(byVendor.status, 403, 'vendor staff are refused a waiver');
    const unnamed = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', waiveGrace: true },
      tenant.adminToken,
    );
    assert.equal(unnamed.status, 422);
    assert.equal(unnamed.body.errors[0]?.path, 'confirmTenantName');
    const misnamed = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', waiveGrace: true, confirmTenantName: 'waiver works ltd' },
      tenant.adminToken,
    );
    assert.equal(misnamed.status, 422, 'the name must match exactly');

    const dsar = await system.post<{ dsarId: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      { type: 'access', subject: { userId: user.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(dsar.status, 201, JSON.stringify(dsar.body));
    const blocked = await system.post<{ code: string; detail: string }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Waiver Works Ltd' },
      tenant.adminToken,
    );
    assert.equal(blocked.status, 409);
    assert.equal(blocked.body.code, 'TERMINATION.DSARS_OPEN');
    assert.ok(blocked.body.detail.includes(dsar.body.dsarId), 'the conflict names the open request');
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken)).status,
      404,
      'nothing was started by the refused requests',
    );
    const cancelled = await system.post(`/api/tenants/${tenant.tenantId}/dsars/${dsar.body.dsarId}/cancel`, undefined, tenant.adminToken);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    await system.settle();

    const outboxBefore = (await system.outbox()).length;
    const requestedAt = await system.now();
    const requested = await terminate(tenant, { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Waiver Works Ltd' });
    assert.equal(requested.graceEndsAt, requested.effectiveAt, 'no grace window');
    await system.advance('PT1H');
    const after = await termination(tenant);
    assert.equal(after.phase, 'awaiting-key-purge');
    assert.ok(Date.parse(after.deletion!.completedAt!) - requestedAt.getTime() < DAY, 'primary data deleted within the same day');
    assert.deepEqual((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId), []);
    const notices = (await system.outbox()).slice(outboxBefore).map((m) => m.subject);
    assert.equal(notices.filter((s) => /grace window waived/.test(s)).length, 2, 'a final notice to each contact');
    assert.equal(notices.filter((s) => /grace window started|until deletion/.test(s)).length, 0, 'no grace notices or reminders');
    assert.equal(
      (await system.post(`/api/tenants/${tenant.tenantId}/termination/cancel`, undefined, tenant.adminToken)).status,
      409,
      'a waived termination cannot be reactivated',
    );
  });

  test('a certificate signed before the signing key is rotated and its old version disabled still verifies against the JWKS', async () => {
    const tenant = await provisionTenant(system, { name: 'Rotation Ltd' });
    await terminate(tenant, { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Rotation Ltd' });
    await system.advance('PT1H');
    const issued = await system.get<{ certificate: string }>(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const { kid } = JSON.parse(Buffer.from(issued.body.certificate.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const oldVersion = kid.slice('uksouth.'.length);

    const vault = system.keyVault('uksouth');
    const rotated = await vault.createEcKey('deletion-certificate-signing', { curve: 'P-256', keyOps: ['sign', 'verify'] });
    assert.notEqual(rotated.properties.version, oldVersion);
    const disabled = await vault.updateKeyProperties('deletion-certificate-signing', oldVersion, { enabled: false });
    assert.equal(disabled.properties.enabled, false, 'the old version is disabled: the app no longer lists it from the vault');

    const jwks = (await system.get<{ keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }>('/api/.well-known/jwks.json')).body;
    assert.ok(jwks.keys.some((k) => k.kid === `uksouth.${rotated.properties.version}`), 'the new version is published');
    const claims = verifyWithNodeCrypto(issued.body.certificate, jwks);
    assert.equal(claims['sub'], tenant.tenantId);
  });

  test('a termination request with bad input is refused and changes nothing', async () => {
    const tenant = await provisionTenant(system);
    const past = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', effectiveAt: '2001-01-01T00:00:00Z' },
      tenant.adminToken,
    );
    assert.equal(past.status, 400);
    assert.equal(past.body.errors[0]?.path, 'effectiveAt');
    const noOffset = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', effectiveAt: '2030-01-01T00:00:00' },
      tenant.adminToken,
    );
    assert.equal(noOffset.body.errors[0]?.path, 'effectiveAt');
    const badDisposition = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'shred' },
      tenant.adminToken,
    );
    assert.equal(badDisposition.body.errors[0]?.path, 'disposition');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken)).status, 404);
    const other = await provisionTenant(system);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete' }, other.adminToken)).status, 403);
  });
});
