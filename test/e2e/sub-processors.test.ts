// Sub-processors end to end on the virtual clock: the list as the system runs it (JSON and CSV, with
// where the documents disagree), a change with too short a notice refused, a change told to every
// tenant not deleted (one in its grace window included) exactly once, reminded 7 days before,
// objected to by one tenant (confirmed to it, ops told at once, reminded 3 days before while
// unanswered, then answered), effective at its instant with the version incremented and recorded
// against every tenant; and a withdrawn change told as withdrawn.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';

const DAY = 24 * 3600_000;
const OPS_MAILBOX = 'platform-team@ops.notifications.local';

interface ListBody {
  version: number;
  effectiveFrom: string;
  subProcessors: { name: string; service: string; locations: string[]; since: string }[];
  documentDiscrepancies: { document: string; says: string; system: string }[];
  pendingChanges: { changeId: string }[];
}

interface ChangeBody {
  changeId: string;
  phase: string;
  effectiveAt: string;
  notices: { tenants: number; sent: number; reminded: number; recordedEffective: number; withdrawalsSent: number; skipped: number };
  objections: { count: number; unanswered: number; items: { tenantId: string; reason: string | null; answer?: { text: string } }[] };
  effective?: { version: number };
}

const mailgun = {
  name: 'Mailgun Technologies',
  service: 'Email delivery (EU)',
  purpose: 'Delivers transactional email for EU tenants',
  dataCategories: ["nominated contacts' names and email addresses"],
  locations: ['Germany'],
  transferMechanism: 'none: EU data centre',
};

describe('sub-processors', () => {
  let system: LocalSystem;
  let uk: TenantFixture;
  let eu: TenantFixture;
  let inGrace: TenantFixture;
  let ops: string;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true, settings: { OPS_PLATFORM_EMAIL: OPS_MAILBOX } });
    ops = await opsToken(system);
    uk = await provisionTenant(system, { region: 'uksouth' });
    eu = await provisionTenant(system, { region: 'eu' });
    inGrace = await provisionTenant(system, { region: 'uksouth' });
    const terminated = await system.post(`/api/tenants/${inGrace.tenantId}/termination`, { disposition: 'delete' }, inGrace.adminToken);
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();
  });
  after(async () => {
    await system?.stop();
  });

  const mailsTo = async (email: string, subject: RegExp) => (await system.outbox()).filter((m) => m.to.includes(email) && subject.test(m.subject));
  const change = async (changeId: string) => {
    const response = await system.get<ChangeBody>(`/api/sub-processors/changes/${changeId}`, ops);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };

  test('the list is what the system runs on, in JSON and CSV, and says where the documents disagree', async () => {
    const list = await system.get<ListBody>('/api/sub-processors', uk.adminToken);
    assert.equal(list.status, 200);
    assert.equal(list.body.version, 1);
    const services = list.body.subProcessors.map((s) => `${s.name}: ${s.service}`);
    assert.ok(services.includes('Microsoft Azure: Azure Cosmos DB'));
    assert.ok(services.includes('Microsoft Azure: Azure Communication Services (email)'));
    assert.ok(!list.body.subProcessors.some((s) => s.name === 'Sentry'), 'Sentry is listed only when configured');
    assert.deepEqual(
      list.body.subProcessors.find((s) => s.service === 'Azure Cosmos DB')?.locations,
      ['uksouth', 'westeurope'],
      "each region's Azure location from the settings",
    );
    const resend = list.body.documentDiscrepancies.find((d) => /Resend/.test(d.says));
    assert.equal(resend?.document, 'privacy notice');
    assert.match(resend!.system, /Communication Services/);

    const csv = await system.request('GET', '/api/sub-processors?format=csv', { token: uk.adminToken });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = parseCsv(csv.body as string);
    assert.deepEqual(rows[0], ['name', 'service', 'purpose', 'dataCategories', 'locations', 'transferMechanism', 'since']);
    assert.equal(rows.length - 1, list.body.subProcessors.length);

    assert.equal((await system.get('/api/sub-processors')).status, 401, 'a token is needed');
  });

  test('a change with less than the notice period is refused with 422 naming effectiveAt; bad input is a 400; only ops.platform may propose', async () => {
    const now = await system.now();
    const short = await system.post<{ code: string; errors: { path: string }[] }>(
      '/api/sub-processors/changes',
      { kind: 'add', subProcessor: mailgun, effectiveAt: new Date(now.getTime() + 29 * DAY).toISOString(), reason: 'EU email' },
      ops,
    );
    assert.equal(short.status, 422);
    assert.equal(short.body.code, 'SUBPROCESSORS.NOTICE_TOO_SHORT');
    assert.equal(short.body.errors[0]?.path, 'effectiveAt');
    const bad = await system.post<{ errors: { path: string }[] }>(
      '/api/sub-processors/changes',
      { kind: 'replace', subProcessor: { ...mailgun, locations: [] }, effectiveAt: 'soon', reason: '' },
      ops,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.path).sort(), ['effectiveAt', 'kind', 'reason', 'subProcessor.locations']);
    const forbidden = await system.post(
      '/api/sub-processors/changes',
      { kind: 'add', subProcessor: mailgun, effectiveAt: new Date(now.getTime() + 40 * DAY).toISOString(), reason: 'EU email' },
      uk.adminToken,
    );
    assert.equal(forbidden.status, 403);
    const changes = await system.get<{ changes: unknown[] }>('/api/sub-processors/changes', ops);
    assert.equal(changes.body.changes.length, 0, 'nothing was recorded');
  });

  test('a change is told once to every tenant, reminded 7 days before, objected to, answered, and effective at its instant', async () => {
    const now = await system.now();
    const effectiveAt = new Date(now.getTime() + 35 * DAY);
    const proposed = await system.request<ChangeBody>('POST', '/api/sub-processors/changes', {
      token: ops,
      headers: { 'idempotency-key': 'mailgun-eu-1' },
      body: { kind: 'add', subProcessor: mailgun, effectiveAt: effectiveAt.toISOString(), reason: 'A second email provider for EU tenants' },
    });
    assert.equal(proposed.status, 202, JSON.stringify(proposed.body));
    const { changeId } = proposed.body;
    const replay = await system.request<ChangeBody>('POST', '/api/sub-processors/changes', {
      token: ops,
      headers: { 'idempotency-key': 'mailgun-eu-1' },
      body: { kind: 'add', subProcessor: mailgun, effectiveAt: effectiveAt.toISOString(), reason: 'A second email provider for EU tenants' },
    });
    assert.equal(replay.body.changeId, changeId, 'a retried request is the same change');
    await system.settle();

    for (const tenant of [uk, eu, inGrace]) {
      assert.equal(
        (await mailsTo(tenant.contacts.privacy[0]!.email, /^sub-processor change on/)).length,
        1,
        `${tenant.tenantId}'s privacy contact is told once`,
      );
      assert.equal((await mailsTo(tenant.contacts.security[0]!.email, /sub-processor/)).length, 0, 'security contacts are not the audience');
    }
    let view = await change(changeId);
    assert.equal(view.notices.tenants, 3, 'every tenant not deleted, the one in its grace window included');
    assert.equal(view.notices.sent, 3);
    assert.equal((await system.get<ListBody>('/api/sub-processors', ops)).body.pendingChanges[0]?.changeId, changeId);

    // The EU tenant objects: confirmed to its privacy contact, ops told at once; another tenant cannot object for it.
    const path = `/api/tenants/${eu.tenantId}/sub-processor-changes/${changeId}/object`;
    assert.equal((await system.post(path, { reason: 'x' }, uk.adminToken)).status, 403);
    // Two administrators object at the same moment: one objection is recorded, and both are answered with it.
    const [first, second] = await Promise.all([
      system.post<{ reason: string }>(path, { reason: 'Our works council must approve any new email provider.' }, eu.adminToken),
      system.post<{ reason: string }>(path, { reason: 'Our works council wants to see the new provider first.' }, eu.adminToken),
    ]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const reason = first.body.reason;
    assert.equal(second.body.reason, reason, 'one objection per tenant: the first recorded stands');
    const again = await system.post<{ reason: string }>(path, { reason: 'A third reason' }, eu.adminToken);
    assert.equal(again.body.reason, reason);
    await system.settle();
    assert.equal((await mailsTo(eu.contacts.privacy[0]!.email, /^Objection received/)).length, 1);
    const toOps = await mailsTo(OPS_MAILBOX, /^Objection to sub-processor change/);
    assert.equal(toOps.length, 1, 'ops are told at once, once');
    assert.ok(toOps[0]!.text?.includes(reason));
    const control = JSON.stringify(await system.allDocuments('uksouth', 'control'));
    assert.ok(
      control.includes(`objection:${eu.tenantId}`) && !control.includes('works council'),
      "the vendor's record says who objected and when; the EU tenant's words stay in its region",
    );
    const seenByUk = await system.get<ChangeBody>(`/api/sub-processors/changes/${changeId}`, uk.adminToken);
    assert.equal(seenByUk.body.objections.count, 1);
    assert.deepEqual(seenByUk.body.objections.items, [], 'another tenant sees the count, not the objection');
    assert.equal((await change(changeId)).objections.items[0]?.reason, reason, 'ops see the reason');

    // Seven days before: one reminder to each tenant still there, not earlier.
    await system.advanceTo(new Date(effectiveAt.getTime() - 7 * DAY - 60_000));
    assert.equal((await mailsTo(eu.contacts.privacy[0]!.email, /^Reminder: sub-processor change/)).length, 0);
    await system.advanceTo(new Date(effectiveAt.getTime() - 7 * DAY + 60_000));
    for (const tenant of [uk, eu, inGrace]) assert.equal((await mailsTo(tenant.contacts.privacy[0]!.email, /^Reminder: sub-processor change/)).length, 1);
    assert.equal((await change(changeId)).notices.reminded, 3, 'the tenant in its grace window (30 days) is still there 28 days on');

    // Three days before, the objection is unanswered: ops are reminded; then they answer.
    await system.advanceTo(new Date(effectiveAt.getTime() - 3 * DAY + 60_000));
    assert.equal((await mailsTo(OPS_MAILBOX, /^Reminder: 1 unanswered objection/)).length, 1);
    const answered = await system.post<ChangeBody>(
      `/api/sub-processors/changes/${changeId}/objections/${eu.tenantId}/answer`,
      { answer: 'The provider processes only contact addresses, in Germany; we can discuss alternatives.' },
      ops,
    );
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    await system.settle();
    assert.equal((await mailsTo(eu.contacts.privacy[0]!.email, /^Answer to your objection/)).length, 1);

    // At its instant: version 2 with the new entry, recorded against every tenant told.
    await system.advanceTo(new Date(effectiveAt.getTime() - 60_000));
    assert.equal((await system.get<ListBody>('/api/sub-processors', ops)).body.version, 1, 'not before its instant');
    await system.advanceTo(new Date(effectiveAt.getTime() + 60_000));
    const list = await system.get<ListBody>('/api/sub-processors', ops);
    assert.equal(list.body.version, 2);
    assert.equal(list.body.effectiveFrom, effectiveAt.toISOString());
    assert.ok(list.body.subProcessors.some((s) => s.name === mailgun.name && s.since === effectiveAt.toISOString()));
    assert.equal(
      (await system.get<ListBody>('/api/sub-processors?version=1', ops)).body.subProcessors.length,
      list.body.subProcessors.length - 1,
      'version 1 stays readable',
    );
    view = await change(changeId);
    assert.equal(view.phase, 'effective');
    assert.equal(view.effective?.version, 2);
    assert.equal(view.notices.recordedEffective, 2, 'the tenant deleted at the end of its grace window has no record left to write to');
    assert.deepEqual(view.objections.items.map((o) => [o.tenantId, Boolean(o.answer)]), [[eu.tenantId, true]]);
    const audit = await system.get<{ entries: { action: string; target: { id: string } }[] }>(`/api/tenants/${eu.tenantId}/audit?limit=200`, eu.adminToken);
    const actions = audit.body.entries.filter((e) => e.target.id === changeId).map((e) => e.action).sort();
    assert.deepEqual(actions, ['subprocessor.change.effective', 'subprocessor.change.noticed', 'subprocessor.change.objected', 'subprocessor.change.reminded']);
    for (const tenant of [uk, eu])
      assert.equal((await mailsTo(tenant.contacts.privacy[0]!.email, /^sub-processor change on/)).length, 1, 'still told exactly once');

    const late = await system.post(path, { reason: 'too late' }, eu.adminToken);
    assert.equal(late.status, 409, 'no objection once in force');
  });

  test('a withdrawn change tells the tenants and never takes effect', async () => {
    const now = await system.now();
    const effectiveAt = new Date(now.getTime() + 31 * DAY);
    const proposed = await system.post<ChangeBody>(
      '/api/sub-processors/changes',
      { kind: 'remove', subProcessor: mailgun, effectiveAt: effectiveAt.toISOString(), reason: 'No longer needed' },
      ops,
    );
    assert.equal(proposed.status, 202, JSON.stringify(proposed.body));
    await system.settle();
    const withdrawn = await system.post<ChangeBody>(`/api/sub-processors/changes/${proposed.body.changeId}/withdraw`, { reason: 'Announced in error' }, ops);
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.equal(withdrawn.body.phase, 'withdrawn');
    await system.settle();
    for (const tenant of [uk, eu])
      assert.equal(
        (await mailsTo(tenant.contacts.privacy[0]!.email, new RegExp(`^Withdrawn: sub-processor change ${proposed.body.changeId}`))).length,
        1,
      );
    await system.advanceTo(new Date(effectiveAt.getTime() + 60_000));
    assert.equal((await system.get<ListBody>('/api/sub-processors', ops)).body.version, 2, 'the list is unchanged');
    const view = await change(proposed.body.changeId);
    assert.equal(view.notices.withdrawalsSent, 2);
    assert.equal(view.notices.reminded, 0);
    const objection = await system.post(`/api/tenants/${eu.tenantId}/sub-processor-changes/${proposed.body.changeId}/object`, { reason: 'n/a' }, eu.adminToken);
    assert.equal(objection.status, 409);
  });
  test('a host killed while the notices go out sends each notice once after it restarts', async () => {
    const now = await system.now();
    const proposed = await system.post<ChangeBody>(
      '/api/sub-processors/changes',
      {
        kind: 'add',
        subProcessor: { ...mailgun, name: 'Postmark', service: 'Email delivery (UK)' },
        effectiveAt: new Date(now.getTime() + 40 * DAY).toISOString(),
        reason: 'Backup email provider',
      },
      ops,
    );
    assert.equal(proposed.status, 202, JSON.stringify(proposed.body));
    await system.crashAndRestartHost();
    await system.settle();
    for (const tenant of [uk, eu]) {
      const notices = await mailsTo(tenant.contacts.privacy[0]!.email, /^sub-processor change on .*: Postmark$/);
      assert.equal(notices.length, 1, `${tenant.tenantId} is told once`);
    }
    assert.equal((await change(proposed.body.changeId)).notices.sent, 2);
  });
});
