// Flows that cannot be lost, end to end on the virtual clock with the reconciler every 10 minutes:
// a change stored while the task hub refuses signals reaches its workflow within one interval; a
// workflow terminated by hand runs again within one interval and still reminds on the right day at
// 09:00 local time; a 40-minute outage of a tenant region's Cosmos DB alerts ops once, not per
// retry, and the reminder goes out once after recovery; the ops view flags failed and overdue flows;
// faults are injected and lifted through the local platform's dev API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

const ESCALATION_MAILBOX = 'breach-escalation@ops.notifications.local';

interface FlowView {
  kind: string;
  instanceId: string;
  tenantId: string | null;
  instanceStatus: string;
  deadline: string | null;
  attention: boolean;
  reasons: string[];
  repairs: number;
}

describe('reliability: the reconciler, alerts and faults', () => {
  let system: LocalSystem;

  before(async () => {
    // The system starts at the drill's date: moving there from today would run the 10-minute reconciler for years.
    const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-'));
    writeFileSync(join(stateDir, 'clock.json'), JSON.stringify({ now: '2031-03-26T08:00:00.000Z' }));
    system = await LocalSystem.start({ withPlatform: true, settings: { FLOW_RECONCILER_SCHEDULE: '0 */10 * * * *' } }, stateDir);
  });
  after(async () => {
    await system?.stop();
  });

  async function submitDsar(tenant: TenantFixture, receivedAt: string): Promise<{ dsarId: string; instanceId: string }> {
    const response = await system.post<{ dsarId: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      {
        type: 'access',
        subject: { email: `someone.${receivedAt.slice(0, 10)}.${tenant.tenantId}@customer.test` },
        receivedAt,
        jurisdiction: 'GB-ENG',
      },
      tenant.adminToken,
    );
    assert.equal(response.status, 201, JSON.stringify(response.body));
    await system.settle();
    return { dsarId: response.body.dsarId, instanceId: `dsar-${tenant.tenantId}-${response.body.dsarId}` };
  }

  async function fault(body: Record<string, unknown>): Promise<{ faultId: string; from: string; until: string }> {
    const response = await system.post<{ faultId: string; from: string; until: string }>('/runtime/dev/faults', body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  }

  async function opsView(attention = false): Promise<FlowView[]> {
    const response = await system.get<{ flows: FlowView[] }>(`/api/ops/workflows${attention ? '?attention=true' : ''}`, await opsToken(system));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.flows;
  }

  const terminate = async (instanceId: string): Promise<void> => {
    const response = await system.post(`/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}/terminate?reason=drill`);
    assert.equal(response.status, 202);
    await system.settle();
  };

  test('faults: added with their end on the virtual clock, listed, lifted; bad input is a problem naming the field', async () => {
    const added = await fault({ service: 'keyvault', region: 'eu', mode: 'throttle', duration: 'PT2H' });
    assert.equal(added.until, new Date((await system.now()).getTime() + 2 * 3600_000).toISOString());
    const listed = (await system.get<{ faults: { faultId: string; service: string; mode: string }[] }>('/runtime/dev/faults')).body.faults;
    assert.deepEqual(listed.map((f) => [f.faultId, f.service, f.mode]), [[added.faultId, 'keyvault', 'throttle']]);
    assert.equal((await system.request('DELETE', `/runtime/dev/faults/${added.faultId}`)).status, 204);
    assert.deepEqual((await system.get<{ faults: unknown[] }>('/runtime/dev/faults')).body.faults, []);
    const bad = await system.post<{ errors: { path: string }[] }>('/runtime/dev/faults', { service: 'cosmos', mode: 'sometimes', duration: 'PT1H' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.path), ['mode']);

    // A Cosmos outage in the EU answers 503 to the EU account only, and ends by itself on the clock.
    const account = (region: 'uksouth' | 'eu'): Promise<number> => fetch(system.platform!.addresses.cosmos[region]!.endpoint).then((r) => r.status);
    const outage = await fault({ service: 'cosmos', region: 'eu', mode: 'unavailable', duration: 'PT30M' });
    assert.equal(await account('eu'), 503);
    assert.notEqual(await account('uksouth'), 503, 'UK South still answers');
    await system.advanceTo(new Date(outage.until));
    assert.notEqual(await account('eu'), 503, 'over when the clock passes its end');
    await fault({ service: 'email', mode: 'throttle', duration: 'PT1M' });
    const throttled = await fetch(`${system.platform!.addresses.email.url}/emails:send`, { method: 'POST' });
    assert.deepEqual([throttled.status, throttled.headers.get('retry-after')], [429, '30']);
    await system.advance('PT1M');
  });

  test('a cancellation stored while the task hub refuses signals reaches the workflow within one reconciler interval', async () => {
    const tenant = await provisionTenant(system);
    const { dsarId, instanceId } = await submitDsar(tenant, (await system.now()).toISOString());
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Running');

    const refusing = await fault({ service: 'taskhub', mode: 'unavailable', duration: 'PT5M' });
    const cancelled = await system.post<{ status: string }>(`/api/tenants/${tenant.tenantId}/dsars/${dsarId}/cancel`, undefined, tenant.adminToken);
    assert.equal(cancelled.status, 200, 'the change is stored: the API says so');
    assert.equal(cancelled.body.status, 'cancelled');
    await system.settle();
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Running', 'the workflow was not told');
    await system.advance('PT2M');
    const pending = (await opsView(true)).find((f) => f.instanceId === instanceId);
    assert.deepEqual(pending?.reasons, ['change-undelivered'], 'ops see the undelivered change');

    await system.advanceTo(new Date(refusing.until));
    await system.advance('PT10M');
    assert.equal(
      (await system.instance(instanceId)).runtimeStatus,
      'Completed',
      'the reconciler raised the change again within one interval; the workflow closed',
    );
    assert.equal((await opsView()).find((f) => f.instanceId === instanceId), undefined, 'a closed flow leaves the open-flow index');
  });

  test('drill: a DSAR workflow terminated by hand runs again within one interval and reminds at 09:00 London time on the right day; a 40-minute EU outage alerts once; overdue flows are flagged', async () => {
    // Received Monday 3 March 2031: due Thursday 3 April; the 7-day reminder is due at 09:00 GMT on 27 March.
    const uk = await provisionTenant(system);
    const eu = await provisionTenant(system, { region: 'eu' });
    const ukDsar = await submitDsar(uk, '2031-03-03T10:00:00Z');
    const euDsar = await submitDsar(eu, '2031-03-03T10:00:00Z');
    // Received 17 February: due 17 March, already past, escalated at once and still open.
    const lateDsar = await submitDsar(uk, '2031-02-17T10:00:00Z');

    await system.advance('PT1M'); // just after a reconciler run
    await terminate(ukDsar.instanceId);
    const flagged = (await opsView(true)).find((f) => f.instanceId === ukDsar.instanceId);
    assert.equal(flagged?.instanceStatus, 'Terminated');
    assert.deepEqual(flagged?.reasons, ['failed'], 'a terminated flow needs attention');
    await system.advance('PT10M');
    assert.equal((await system.instance(ukDsar.instanceId)).runtimeStatus, 'Running', 'a new execution within one interval');
    assert.equal((await opsView()).find((f) => f.instanceId === ukDsar.instanceId)?.repairs, 1);

    // The EU tenant's Cosmos DB is down for 40 minutes across its 7-day reminder.
    await system.advanceTo(new Date('2031-03-27T08:50:00Z'));
    await fault({ service: 'cosmos', region: 'eu', mode: 'unavailable', duration: 'PT40M' });
    await system.advanceTo(new Date('2031-03-27T10:00:00Z'));

    const mails = await system.outbox();
    const reminderOf = (tenant: TenantFixture, dsarId: string) =>
      mails.filter(
        (m) => m.to.includes(tenant.contacts.privacy[0]!.email) && m.subject === `Data-subject request ${dsarId} is due on 2031-04-03: 7 days left`,
      );
    assert.deepEqual(
      reminderOf(uk, ukDsar.dsarId).map((m) => m.sentAt),
      ['2031-03-27T09:00:00.000Z'],
      'the restarted workflow reminded once, at 09:00 GMT',
    );
    const euReminders = reminderOf(eu, euDsar.dsarId);
    assert.equal(euReminders.length, 1, 'the EU reminder went out once, after recovery');
    assert.ok(
      euReminders[0]!.sentAt >= '2031-03-27T09:30:00.000Z' && euReminders[0]!.sentAt < '2031-03-27T09:40:00.000Z',
      `within a retry of recovery (${euReminders[0]!.sentAt})`,
    );
    const alerts = mails.filter((m) => m.to.includes(ESCALATION_MAILBOX) && m.subject.startsWith('Flow at risk'));
    assert.equal(alerts.length, 1, `one alert for the 40-minute outage, not one per retry (${alerts.map((a) => a.subject).join(' | ')})`);
    assert.match(alerts[0]!.subject, new RegExp(`dsar ${euDsar.instanceId}`));
    assert.ok(
      alerts[0]!.sentAt >= '2031-03-27T09:15:00.000Z' && alerts[0]!.sentAt < '2031-03-27T09:25:00.000Z',
      `after 15 minutes of failing (${alerts[0]!.sentAt})`,
    );
    assert.match(alerts[0]!.text ?? '', /2031-04-03/, 'names the deadline at risk');
    assert.ok(!(alerts[0]!.text ?? '').includes('customer.test'), 'no personal data in the alert');

    // Past its deadline, still open: escalated, and flagged for ops; the others are not.
    const attention = await opsView(true);
    assert.deepEqual(
      attention
        .filter((f) => [ukDsar.instanceId, euDsar.instanceId, lateDsar.instanceId].includes(f.instanceId))
        .map((f) => [f.instanceId, f.deadline, f.reasons]),
      [[lateDsar.instanceId, '2031-03-17', ['overdue']]],
    );
  });

  /** Opens a breach affecting `tenants`; a draft's notices wait for `releaseBreach`. */
  async function openBreach(tenants: TenantFixture[], draft = false): Promise<{ breachId: string; notifyBy: string }> {
    const response = await system.request<{ breachId: string; notifyBy: string }>('POST', '/api/breaches', {
      token: await opsToken(system, 'ops.breach'),
      body: {
        summary: 'Drill: support mailbox forwarded to a wrong address',
        nature: 'A forwarding rule sent support emails to an external address.',
        categoriesOfData: ['work email addresses'],
        categoriesOfSubjects: ['employees of the customer'],
        approxSubjects: 10,
        approxRecords: 20,
        likelyConsequences: 'Phishing.',
        measures: 'Rule removed.',
        awareAt: (await system.now()).toISOString(),
        affectedTenants: tenants.map((t) => t.tenantId),
        draft,
      },
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    await system.settle();
    return response.body;
  }

  async function noticesPerContact(breachId: string, tenants: TenantFixture[]): Promise<{ counts: number[]; sentAt: string[] }> {
    const mails = (await system.outbox()).filter((m) => m.subject.includes(breachId) && !m.to.includes(ESCALATION_MAILBOX));
    const contacts = tenants.flatMap((t) => [...t.contacts.security, ...t.contacts.privacy].map((c) => c.email));
    return { counts: contacts.map((c) => mails.filter((m) => m.to.includes(c)).length), sentAt: mails.map((m) => m.sentAt).sort() };
  }

  test('drill: a 2-hour Cosmos DB outage in the EU region during a breach fan-out: each contact gets the notice once, after recovery, before notifyBy', async () => {
    const uk = await provisionTenant(system);
    const eu = await provisionTenant(system, { region: 'eu' });
    const opened = await openBreach([uk, eu], true);
    const outage = await fault({ service: 'cosmos', region: 'eu', mode: 'unavailable', duration: 'PT2H' });
    const released = await system.request(`POST`, `/api/breaches/${opened.breachId}/notify`, {
      token: await opsToken(system, 'ops.breach'),
      body: {},
    });
    assert.equal(released.status, 202, JSON.stringify(released.body));
    await system.settle();
    const during = await noticesPerContact(opened.breachId, [eu]);
    assert.deepEqual(
      during.counts,
      during.counts.map(() => 0),
      'nothing reaches the EU tenant while its region is down',
    );
    await system.advance('PT2H10M');
    const afterwards = await noticesPerContact(opened.breachId, [uk, eu]);
    assert.deepEqual(
      afterwards.counts,
      afterwards.counts.map(() => 1),
      'every contact of both tenants got the notice exactly once',
    );
    const eu_ = await noticesPerContact(opened.breachId, [eu]);
    assert.ok(
      eu_.sentAt.every((at) => at >= outage.until && at < opened.notifyBy),
      `EU notices after recovery, before notifyBy (${eu_.sentAt.join(', ')})`,
    );
  });

  test('drill: an email 429 storm: Retry-After honoured, every notice delivered once', async () => {
    const tenants = [await provisionTenant(system), await provisionTenant(system, { region: 'eu' })];
    const storm = await fault({ service: 'email', mode: 'throttle', duration: 'PT20M' });
    const opened = await openBreach(tenants);
    assert.deepEqual((await noticesPerContact(opened.breachId, tenants)).sentAt, [], 'nothing sent while every send answers 429');
    await system.advance('PT30M');
    const delivered = await noticesPerContact(opened.breachId, tenants);
    assert.deepEqual(delivered.counts, delivered.counts.map(() => 1), 'each contact once');
    assert.ok(delivered.sentAt.every((at) => at >= storm.until && at < opened.notifyBy), `after the storm, before notifyBy (${delivered.sentAt.join(', ')})`);
    const alerts = (await system.outbox()).filter((m) => m.to.includes(ESCALATION_MAILBOX) && m.subject.startsWith('Flow at risk') && m.sentAt >= storm.from);
    assert.deepEqual(alerts, [], 'no alert by email while email itself is the failing dependency');
  });
});
