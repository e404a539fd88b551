// Fulfilment of data-subject requests end to end: access and portability packages downloaded with
// fetch and checked to hold exactly the subject's data, rectification and erasure reporting what
// changed, restriction blocking processing until lifted, and objection routed to the controller.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';

interface DsarBody {
  dsarId: string;
  status: string;
  open: boolean;
  subject: { userId?: string; email?: string; erased?: boolean };
  fulfilment?: {
    state: string;
    outcome?: Record<string, unknown> & { kind: string };
    changes?: Record<string, { from: unknown; to: unknown }>;
    failure?: { code: string };
  };
  package?: { expiresOn: string; manifest: string; files: Record<string, string> };
  restrictionLiftedAt?: string;
  transitions: { action: string; from: string | null; to: string }[];
}

interface Manifest {
  kind: string;
  tenant: string;
  region: string;
  dataSubject: { userId: string | null };
  counts: { users: number; records: Record<string, number>; auditEntries: number };
  files: { name: string; rows: number; sha256: string; format: string }[];
}

describe('fulfilment of data-subject requests', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  const dsars = (tenant: TenantFixture): string => `/api/tenants/${tenant.tenantId}/dsars`;

  async function submit(tenant: TenantFixture, body: Record<string, unknown>): Promise<DsarBody> {
    const response = await system.post<DsarBody>(
      dsars(tenant),
      { receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG', ...body },
      tenant.adminToken,
    );
    assert.equal(response.status, 201, JSON.stringify(response.body));
    await system.settle();
    return response.body;
  }

  /** Asks for fulfilment (202 with a Location to poll), lets the workflow run, and reads the request. */
  async function fulfil(tenant: TenantFixture, dsarId: string): Promise<DsarBody> {
    const response = await system.post<DsarBody>(`${dsars(tenant)}/${dsarId}/fulfil`, undefined, tenant.adminToken);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const location = response.headers.get('location');
    assert.equal(location, `${dsars(tenant)}/${dsarId}`);
    await system.settle();
    const polled = await system.get<DsarBody>(location, tenant.adminToken);
    assert.equal(polled.status, 200);
    return polled.body;
  }

  async function download(url: string): Promise<string> {
    const response = await fetch(url);
    assert.equal(response.status, 200, `download ${url.split('?')[0]}`);
    return Buffer.from(await response.arrayBuffer()).toString('utf8'); // keeps a byte-order mark, which text() strips
  }

  test('an access request is fulfilled with a package that holds exactly the subject\'s data, downloadable through expiring links', async () => {
    const tenant = await provisionTenant(system, { region: 'eu' });
    const alice = await createUser(system, tenant, { name: 'Alice Access', email: 'alice.access@customer.test' });
    const bob = await createUser(system, tenant, { name: 'Bob Bystander', email: 'bob.bystander@customer.test' });
    const aliceShift = await createRecord(system, tenant, 'shift-logs', {
      subjectUserId: alice.userId,
      data: { shift: 'early', note: '=HYPERLINK("http://evil")' },
    });
    await createRecord(system, tenant, 'shift-logs', { subjectUserId: alice.userId, data: { shift: 'late' } });
    const approval = await createRecord(system, tenant, 'approval-chains', {
      subjectUserId: bob.userId,
      peopleUserIds: [alice.userId],
      data: { request: 'overtime' },
    });
    const bobOnly = await createRecord(system, tenant, 'schedules', { subjectUserId: bob.userId, data: { week: 'bob-private-week-42' } });
    const corrected = await system.request('PATCH', `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${aliceShift.recordId}`, {
      token: tenant.adminToken,
      body: { data: { shift: 'middle' }, reason: 'wrong shift recorded' },
      headers: { 'if-match': aliceShift.etag },
    });
    assert.equal(corrected.status, 200);
    await system.request('PATCH', `/api/tenants/${tenant.tenantId}/users/${bob.userId}`, {
      token: tenant.adminToken,
      body: { department: 'Bob-Dept-Secret', reason: 'moved' },
      headers: { 'if-match': bob.etag },
    });

    const request = await submit(tenant, { type: 'access', subject: { email: 'Alice.Access@customer.test' } });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed', JSON.stringify(done.fulfilment));
    assert.equal(done.open, false);
    const outcome = done.fulfilment!.outcome!;
    assert.equal(outcome.kind, 'package');
    assert.deepEqual(outcome['counts'], {
      users: 1,
      records: { 'shift-logs': 2, 'approval-chains': 1, schedules: 0, capacity: 0, 'time-tracking': 0, 'org-structure': 0 },
      auditEntries: (outcome['counts'] as { auditEntries: number }).auditEntries,
    });
    assert.ok(done.package, 'an expiring link to the package');
    assert.ok(Date.parse(done.package.expiresOn) > Date.now());

    const manifest = JSON.parse(await download(done.package.manifest)) as Manifest;
    assert.equal(manifest.kind, 'data-subject-package');
    assert.equal(manifest.tenant, tenant.tenantId);
    assert.equal(manifest.region, 'eu');
    assert.equal(manifest.dataSubject.userId, alice.userId);
    assert.deepEqual(manifest.counts, outcome['counts']);
    assert.deepEqual(manifest.files.map((f) => f.name).sort(), [
      'audit-log.csv',
      'audit-log.json',
      'records-approval-chains.csv',
      'records-approval-chains.json',
      'records-shift-logs.csv',
      'records-shift-logs.json',
      'users.csv',
      'users.json',
    ]);

    const files: Record<string, string> = {};
    for (const file of manifest.files) {
      const url = done.package.files[file.name];
      assert.ok(url, `a link for ${file.name}`);
      files[file.name] = await download(url);
    }
    const users = JSON.parse(files['users.json']!) as { userId: string; email: string }[];
    assert.deepEqual(users.map((u) => [u.userId, u.email]), [[alice.userId, 'alice.access@customer.test']]);
    const shifts = JSON.parse(files['records-shift-logs.json']!) as {
      relation: string;
      subjectUserId: string;
      data: { shift: string };
      corrections: unknown[];
    }[];
    assert.deepEqual(shifts.map((r) => r.relation), ['subject', 'subject']);
    assert.deepEqual(shifts.map((r) => r.data.shift).sort(), ['late', 'middle']);
    const approvals = JSON.parse(files['records-approval-chains.json']!) as { recordId: string; relation: string }[];
    assert.deepEqual(
      approvals.map((r) => [r.recordId, r.relation]),
      [[approval.recordId, 'referenced']],
      'a record naming her is included, marked as about someone else too',
    );
    const audit = JSON.parse(files['audit-log.json']!) as { action: string; target: { id: string } }[];
    assert.equal(audit.length, manifest.counts.auditEntries);
    const aboutHer = new Set([alice.userId, ...shifts.map((s) => (s as unknown as { recordId: string }).recordId), request.dsarId]);
    for (const entry of audit) assert.ok(aboutHer.has(entry.target.id), `audit entry ${entry.action} on ${entry.target.id} is about her`);
    for (const action of ['user.created', 'record.created', 'record.corrected', 'dsar.received'])
      assert.ok(
        audit.some((e) => e.action === action),
        `${action} is in her audit entries`,
      );
    assert.ok(files['records-shift-logs.csv']!.includes(`"'=HYPERLINK(""http://evil"")"`), 'a formula in her data comes out neutralised in the CSV');
    assert.ok(files['users.csv']!.startsWith('\ufeff'), 'CSV for people opens in a spreadsheet as UTF-8');

    const everything = Object.values(files).join('\n') + JSON.stringify(manifest);
    for (const foreign of ['bob.bystander@customer.test', 'Bob Bystander', 'Bob-Dept-Secret', 'bob-private-week-42', bobOnly.recordId]) {
      assert.ok(!everything.includes(foreign), `nothing of another person: ${foreign}`);
    }
    assert.deepEqual((await system.blobNames('uksouth', 'packages')).filter((n) => n.startsWith(tenant.tenantId)), [], 'nothing outside the tenant region');
    assert.ok((await system.blobNames('eu', 'packages')).some((n) => n.startsWith(`${tenant.tenantId}/dsar-${request.dsarId}/`)));

    const next = await system.post<DsarBody>(
      dsars(tenant),
      { type: 'access', subject: { userId: alice.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(next.status, 201, 'the claim was released on completion: a new request is new');
  });

  test('a portability request for someone with no account is answered with an empty package', async () => {
    const tenant = await provisionTenant(system);
    await createUser(system, tenant, { email: 'someone.else@customer.test' });
    const request = await submit(tenant, { type: 'portability', subject: { email: 'stranger@elsewhere.test' } });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed');
    assert.equal(done.fulfilment!.outcome!['subjectFound'], false);
    const manifest = JSON.parse(await download(done.package!.manifest)) as Manifest;
    assert.deepEqual(manifest.dataSubject, { userId: null });
    assert.equal(manifest.counts.users + manifest.counts.auditEntries, 0);
    assert.deepEqual(JSON.parse(await download(done.package!.files['users.json']!)), []);
  });

  test('rectification applies the corrections through the tracked rectification and reports what changed', async () => {
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant, { name: 'Rhona Wrongname', department: 'Logistics', role: 'Driver' });
    const request = await submit(tenant, {
      type: 'rectification',
      subject: { userId: user.userId },
      changes: { name: 'Rhona Rightname', department: null, role: 'Driver' },
    });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.fulfilment!.outcome, { kind: 'rectified', subjectFound: true, changedFields: ['name', 'department'], unchangedFields: ['role'] });
    assert.deepEqual(done.fulfilment!.changes, { name: { from: 'Rhona Wrongname', to: 'Rhona Rightname' }, department: { from: 'Logistics', to: null } });
    const read = await system.get<{ name: string; department?: string; rectifications: { reason: string; by: string }[] }>(
      `/api/tenants/${tenant.tenantId}/users/${user.userId}`,
      tenant.adminToken,
    );
    assert.equal(read.body.name, 'Rhona Rightname');
    assert.equal(read.body.department, undefined);
    assert.deepEqual(
      read.body.rectifications.map((r) => [r.reason, r.by]),
      [[`Data-subject request ${request.dsarId} (rectification)`, 'system:dsar-workflow']],
    );
  });

  test('erasure erases the person and the records about them, keeps records that only name them, and reports it', async () => {
    const tenant = await provisionTenant(system);
    const erin = await createUser(system, tenant, { name: 'Erin Erased', email: 'erin.erased@customer.test' });
    const colleague = await createUser(system, tenant);
    const own = [
      await createRecord(system, tenant, 'time-tracking', { subjectUserId: erin.userId, data: { hours: 8 } }),
      await createRecord(system, tenant, 'capacity', { subjectUserId: erin.userId, data: { fte: 1 } }),
    ];
    const naming = await createRecord(system, tenant, 'approval-chains', {
      subjectUserId: colleague.userId,
      peopleUserIds: [erin.userId],
      data: { approved: true },
    });
    const request = await submit(tenant, { type: 'erasure', subject: { email: 'erin.erased@customer.test' } });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed', JSON.stringify(done.fulfilment));
    assert.deepEqual(done.fulfilment!.outcome, {
      kind: 'erased',
      subjectFound: true,
      user: 'erased',
      recordsErased: { 'time-tracking': 1, capacity: 1 },
      referencingRecordsKept: 1,
    });
    assert.deepEqual(done.subject, { userId: erin.userId, erased: true }, "the request's own copy of her email went with her key");
    assert.equal((await system.get<{ status: string }>(`/api/tenants/${tenant.tenantId}/users/${erin.userId}`, tenant.adminToken)).body.status, 'erased');
    for (const [module, record] of [['time-tracking', own[0]!], ['capacity', own[1]!]] as const) {
      const view = await system.get<{ status: string; erasure: string }>(
        `/api/tenants/${tenant.tenantId}/modules/${module}/records/${record.recordId}`,
        tenant.adminToken,
      );
      assert.deepEqual([view.body.status, view.body.erasure], ['erased', 'record-erased']);
    }
    const kept = await system.get<{ status: string; data: unknown }>(
      `/api/tenants/${tenant.tenantId}/modules/approval-chains/records/${naming.recordId}`,
      tenant.adminToken,
    );
    assert.equal(kept.body.status, 'active', "a colleague's record that names her is about the colleague");
    const docs = JSON.stringify((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId));
    assert.ok(!docs.includes(`key:subject:${erin.userId}`), 'her key is destroyed, and no new one was made for the request');
  });

  test('restriction makes processing routes refuse the person\'s data until it is lifted', async () => {
    const tenant = await provisionTenant(system);
    const rita = await createUser(system, tenant);
    const other = await createUser(system, tenant);
    const record = await createRecord(system, tenant, 'schedules', { subjectUserId: rita.userId, data: { week: 1 } });
    const request = await submit(tenant, { type: 'restriction', subject: { userId: rita.userId } });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed');
    assert.equal(done.fulfilment!.outcome!.kind, 'restricted');

    const blocked = [
      await system.request<{ code: string; errors: { path: string }[] }>('POST', `/api/tenants/${tenant.tenantId}/modules/schedules/records`, {
        token: tenant.adminToken,
        body: { subjectUserId: rita.userId, data: { week: 2 } },
      }),
      await system.request<{ code: string; errors: { path: string }[] }>('POST', `/api/tenants/${tenant.tenantId}/modules/approval-chains/records`, {
        token: tenant.adminToken,
        body: { subjectUserId: other.userId, peopleUserIds: [rita.userId], data: { a: 1 } },
      }),
      await system.request<{ code: string; errors: { path: string }[] }>(
        'PATCH',
        `/api/tenants/${tenant.tenantId}/modules/schedules/records/${record.recordId}`,
        { token: tenant.adminToken, body: { data: { week: 3 }, reason: 'fix' }, headers: { 'if-match': record.etag } },
      ),
      await system.request<{ code: string; errors: { path: string }[] }>('PATCH', `/api/tenants/${tenant.tenantId}/users/${rita.userId}`, {
        token: tenant.adminToken,
        body: { name: 'New Name', reason: 'fix' },
        headers: { 'if-match': rita.etag },
      }),
    ];
    assert.deepEqual(blocked.map((r) => [r.status, r.body.code]), Array(4).fill([422, 'SUBJECT.RESTRICTED']));
    assert.deepEqual(blocked.map((r) => r.body.errors[0]!.path), ['subjectUserId', 'peopleUserIds.0', 'subjectUserId', 'path:userId']);
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${rita.userId}`, tenant.adminToken)).status, 200, 'storage and reads go on');
    assert.equal(
      (await createRecord(system, tenant, 'schedules', { subjectUserId: other.userId, data: { week: 1 } })).recordId.length > 0,
      true,
      'other people are not affected',
    );

    // A rectification asked for meanwhile fails as restricted, stays open, and succeeds once lifted.
    const rectify = await submit(tenant, { type: 'rectification', subject: { userId: rita.userId }, changes: { name: 'Rita Right' } });
    const failed = await fulfil(tenant, rectify.dsarId);
    assert.deepEqual([failed.status, failed.fulfilment!.state, failed.fulfilment!.failure!.code], ['in-progress', 'failed', 'SUBJECT.RESTRICTED']);

    const wrongKind = await system.post<{ code: string }>(`${dsars(tenant)}/${rectify.dsarId}/lift-restriction`, undefined, tenant.adminToken);
    assert.equal(wrongKind.status, 409);
    const lifted = await system.post<DsarBody>(`${dsars(tenant)}/${request.dsarId}/lift-restriction`, undefined, tenant.adminToken);
    assert.equal(lifted.status, 200);
    assert.ok(lifted.body.restrictionLiftedAt);
    const created = await system.request('POST', `/api/tenants/${tenant.tenantId}/modules/schedules/records`, {
      token: tenant.adminToken,
      body: { subjectUserId: rita.userId, data: { week: 2 } },
    });
    assert.equal(created.status, 201, 'processing resumes');
    const retried = await fulfil(tenant, rectify.dsarId);
    assert.equal(retried.status, 'completed');
    assert.deepEqual(retried.fulfilment!.outcome!['changedFields'], ['name']);
  });

  test('an objection is recorded and routed to the controller\'s privacy contacts', async () => {
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant, { name: 'Olive Objector' });
    const request = await submit(tenant, { type: 'objection', subject: { userId: user.userId } });
    const done = await fulfil(tenant, request.dsarId);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.fulfilment!.outcome, { kind: 'routed-to-controller', subjectFound: true, contacts: 1 });
    const mails = (await system.outbox()).filter((m) => m.to.some((t) => t.includes(tenant.contacts.privacy[0]!.email)));
    assert.deepEqual(mails.map((m) => m.subject), [`Objection to processing for you to decide: ${request.dsarId}`]);
    assert.ok(!`${mails[0]!.text}${mails[0]!.html}`.includes('Olive'), 'the routing email names the request, not the person');
    const again = await system.post<{ code: string }>(`${dsars(tenant)}/${request.dsarId}/fulfil`, undefined, tenant.adminToken);
    assert.equal(again.status, 409, 'a completed request is closed');
    assert.equal(again.body.code, 'DSAR.INVALID_TRANSITION');
  });
});
