// The breach flow weighs its fan-out against the email quota as the notices start going out: when
// the last one would land after notifyBy, ops are escalated at once with the figures and the quota
// needed; in time, nobody is. Run with a tiny quota (1 a minute, 2 an hour) so that two tenants are
// enough to miss a deadline an hour away; test/shared/send-capacity.test.ts covers 200 tenants at
// the default quota.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

const HOUR = 3600_000;
const ESCALATION_MAILBOX = 'breach-escalation@ops.notifications.local';
const OPS_MAILBOX = 'breach-team@ops.notifications.local';

interface BreachBody {
  breachId: string;
  notifyBy: string;
  trail: { action: string; detail?: string }[];
  tenants: { tenantId: string; notices: { firstSentAt: string | null }[] }[];
}

function breachRequest(awareAt: Date, tenants: TenantFixture[]): Record<string, unknown> {
  return {
    awareAt: awareAt.toISOString(),
    summary: 'Misdirected export of shift schedules',
    nature: 'An export was sent to the wrong customer.',
    categoriesOfData: ['names', 'shift schedules'],
    approxSubjects: 12,
    approxRecords: 80,
    likelyConsequences: 'Disclosure of working patterns.',
    measures: 'The recipient confirmed deletion.',
    affectedTenants: tenants.map((t) => t.tenantId),
  };
}

describe('breach notices against the email quota', () => {
  let system: LocalSystem;
  let ops: string;
  let tenants: TenantFixture[];

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true, settings: { EMAIL_QUOTA_PER_MINUTE: '1', EMAIL_QUOTA_PER_HOUR: '2' } });
    ops = await opsToken(system, 'ops.breach');
    tenants = [await provisionTenant(system), await provisionTenant(system, { region: 'eu' })];
  });
  after(async () => {
    await system?.stop();
  });

  async function openAndSettle(awareAt: Date, extra: Record<string, unknown> = {}): Promise<BreachBody> {
    const opened = await system.request<BreachBody>('POST', '/api/breaches', { token: ops, body: { ...breachRequest(awareAt, tenants), ...extra } });
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    await system.settle();
    const view = await system.get<BreachBody>(`/api/breaches/${opened.body.breachId}`, ops);
    assert.equal(view.status, 200);
    return view.body;
  }

  test('released an hour before notifyBy, four notices at 2 an hour cannot all go out in time: ops are escalated at once with the figures', async () => {
    const now = await system.now();
    // Past the internal notification target (BREACH_NOTIFY_TARGET), so the reason for the delay is given.
    const breach = await openAndSettle(new Date(now.getTime() - 71 * HOUR), { delayReason: 'The affected customers were identified only from backups.' });
    const escalations = (await system.outbox()).filter((m) => m.subject.startsWith(`ESCALATION: breach ${breach.breachId} notices cannot all be sent`));
    assert.equal(escalations.length, 1, 'one escalation, sent as the notices start going out');
    const [mail] = escalations;
    assert.deepEqual([...mail!.to].sort(), [ESCALATION_MAILBOX, OPS_MAILBOX].sort());
    const text = mail!.text ?? '';
    // Two contacts per tenant, two tenants: at 2 an hour (1 a minute) the fourth email goes one hour and
    // one minute in, a minute late; at 3 an hour the fourth goes exactly at notifyBy, which is in time.
    for (const figure of [
      '4 emails',
      '2 tenant(s)',
      '1 a minute, 2 an hour',
      new Date(now.getTime() + HOUR + 60_000).toISOString(),
      breach.notifyBy,
      'Quota needed: 1 a minute, 3 an hour',
    ])
      assert.ok(text.includes(figure), `the escalation states ${figure}`);
    for (const tenant of tenants)
      for (const contact of [...tenant.contacts.security, ...tenant.contacts.privacy])
        assert.ok(!text.includes(contact.email), 'no contact is named to ops');
    const recorded = breach.trail.filter((t) => t.action === 'notices.capacity');
    assert.equal(recorded.length, 1, 'the decision is recorded on the breach');
    assert.match(recorded[0]!.detail ?? '', /^4 email\(s\) to 2 tenant\(s\) at 1 a minute, 2 an hour: last at .*escalated, needs 1 a minute, 3 an hour$/);
    assert.ok(breach.tenants.every((t) => t.notices[0]?.firstSentAt), 'the notices go out all the same');
  });

  test('released with plenty of time, the same fan-out fits the quota and nobody is escalated', async () => {
    const breach = await openAndSettle(await system.now());
    assert.equal((await system.outbox()).filter((m) => m.subject.includes(`breach ${breach.breachId} notices cannot`)).length, 0);
    assert.match(
      breach.trail.find((t) => t.action === 'notices.capacity')?.detail ?? '',
      /^4 email\(s\) to 2 tenant\(s\) at 1 a minute, 2 an hour: last at [^,]+$/,
    );
  });
});
