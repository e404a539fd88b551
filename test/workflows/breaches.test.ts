// Branch tests of breach notification, in process: the real breachNotification and
// tenantBreachNotice orchestrators on the local host's engine (the Durable extension's replay rules,
// .NET Task.WhenAll semantics included), every activity a double over a small model of the breach
// record. Each race of the workflow is run to each of its outcomes on the virtual clock.
import { workflowHost, activityError, alwaysRefuses, at, HOUR, IDS, phaseOf, type InProcessDurableHost } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ACKNOWLEDGE_EVENT, CLOSE_EVENT, noticeInstanceId, RELEASE_EVENT, updateEvent } from '../../shared/breaches/breach.js';

const BREACH = IDS.breach;
const UK = IDS.ukTenant;
const EU = IDS.euTenant;
const START = new Date('2026-03-02T09:00:00Z');

/** What the breach record and the tenants' notices say, as the activities would read and write them. */
interface BreachWorld {
  awareAt: Date;
  released: boolean;
  /** Updates added after the release (seq 1, 2, ...). */
  updates: number;
  tenants: string[];
  /** Tenants whose notices cannot be delivered (their region's store is down for longer than every retry). */
  unreachable: Set<string>;
  /** Tenants deleted after the breach was opened. */
  deleted: Set<string>;
  /** Tenants added by update `seq` (they get every notice so far with it). */
  added: { tenantId: string; seq: number }[];
  /** A draft closed as not notifiable (recorded in the store). */
  closed?: boolean;
  /** Notices acknowledged in the store, `tenant:seq`. */
  acknowledged: Set<string>;
}

interface Delivery {
  tenantId: string;
  seq: number;
  attempt: number;
}

function world(overrides: Partial<BreachWorld> = {}): BreachWorld {
  return {
    awareAt: START,
    released: true,
    updates: 0,
    tenants: [UK, EU],
    added: [],
    unreachable: new Set(),
    deleted: new Set(),
    acknowledged: new Set(),
    ...overrides,
  };
}

async function breachHost(w: BreachWorld, openedAt = START): Promise<InProcessDurableHost> {
  return workflowHost(
    {
      breachLoadPlan: () => ({
        awareAt: w.awareAt.toISOString(),
        openedAt: openedAt.toISOString(),
        notifyBy: at(w.awareAt, 72 * HOUR).toISOString(),
        released: w.released,
      }),
      breachClockAlert: (): 'sent' | 'released' | 'closed' => (w.released ? 'released' : w.closed ? 'closed' : 'sent'),
      breachResolveTenants: () => w.tenants,
      breachNoticesDue: (input: { after: number }) => ({
        seqs: w.released ? Array.from({ length: w.updates + 1 }, (_, seq) => seq).filter((seq) => seq > input.after) : [],
        nextUpdate: w.updates + 1,
        // The store's rule (shared/breaches/breach.ts): a tenant added by update j gets notices 0..j when j goes out.
        added: w.released
          ? w.added.flatMap((a) =>
              Array.from({ length: w.updates + 1 }, (_, seq) => seq)
                .filter((seq) => Math.max(seq, a.seq) > input.after)
                .map((seq) => ({ tenantId: a.tenantId, seq })),
            )
          : [],
      }),
      breachNoticeUnacknowledged: (input: Delivery) => (w.acknowledged.has(`${input.tenantId}:${input.seq}`) ? 'acknowledged' : 'alerted'),
      breachDeliverNotice: (input: Delivery) => {
        if (w.unreachable.has(input.tenantId))
          throw activityError('the tenant region refuses the notice', { code: 'TEST.REFUSED', retryable: false });
        if (w.deleted.has(input.tenantId)) return 'skipped';
        if (input.attempt > 0 && w.acknowledged.has(`${input.tenantId}:${input.seq}`)) return 'acknowledged';
        return 'sent';
      },
    },
    START,
  );
}

const sent = (host: InProcessDurableHost): Delivery[] =>
  host.calls.filter((c) => c.activity === 'breachDeliverNotice' && c.outcome === 'returned').map((c) => c.input as Delivery);
const alerts = (host: InProcessDurableHost): string[] => host.inputsOf('breachClockAlert').map((i) => (i as { kind: string }).kind);

describe('breach workflow, released at once', () => {
  test('one notice workflow per affected tenant sends the initial notice, and closing ends the breach workflow', async () => {
    const host = await breachHost(world());
    const id = await host.start('breachNotification', { breachId: BREACH }, `breach-${BREACH}`);
    assert.deepEqual(alerts(host), [], 'no clock alerts for a breach released when opened');
    assert.deepEqual(sent(host).map((d) => [d.tenantId, d.seq, d.attempt]).sort(), [[EU, 0, 0], [UK, 0, 0]]);
    assert.equal(host.status(id).runtimeStatus, 'Running');
    await host.raiseEvent(id, CLOSE_EVENT, { at: START.toISOString() });
    assert.deepEqual(host.status(id), { ...host.status(id), runtimeStatus: 'Completed', output: { outcome: 'closed', notices: 1 } });
    // Notice workflows already started carry on with their re-sends.
    assert.equal(host.status(noticeInstanceId(BREACH, UK, 0)).runtimeStatus, 'Running');
  });

  test('an update sends an update notice to every tenant, even while the first notices wait for acknowledgement', async () => {
    const w = world();
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('PT2H');
    w.updates = 1;
    await host.raiseEvent(id, updateEvent(1), { seq: 1 });
    assert.deepEqual(sent(host).filter((d) => d.seq === 1).map((d) => d.tenantId).sort(), [EU, UK]);
    assert.equal(host.status(noticeInstanceId(BREACH, UK, 0)).runtimeStatus, 'Running', 'the first notice still waits for its acknowledgement');
    w.updates = 2;
    await host.raiseEvent(id, updateEvent(2), { seq: 2 });
    assert.deepEqual(sent(host).filter((d) => d.seq === 2).length, 2);
  });

  test('a tenant added by an update gets the initial notice and that update, and later updates with everyone', async () => {
    const late = 't-uks-cccccccccccccccccccc';
    const w = world();
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    w.updates = 1;
    w.added = [{ tenantId: late, seq: 1 }];
    await host.raiseEvent(id, updateEvent(1), { seq: 1 });
    assert.deepEqual(sent(host).filter((d) => d.tenantId === late).map((d) => [d.seq, d.attempt]).sort(), [[0, 0], [1, 0]]);
    w.updates = 2;
    await host.raiseEvent(id, updateEvent(2), { seq: 2 });
    assert.deepEqual(sent(host).filter((d) => d.seq === 2 && d.attempt === 0).map((d) => d.tenantId).sort(), [EU, late, UK].sort());
    assert.equal(sent(host).filter((d) => d.tenantId === late && d.seq === 0 && d.attempt === 0).length, 1, 'never twice');
  });

  test('updates after every notice was acknowledged still go out', async () => {
    const w = world();
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    for (const tenant of w.tenants) await host.raiseEvent(noticeInstanceId(BREACH, tenant, 0), ACKNOWLEDGE_EVENT, { at: START.toISOString() });
    for (const tenant of w.tenants) assert.equal(host.status(noticeInstanceId(BREACH, tenant, 0)).runtimeStatus, 'Completed');
    w.updates = 1;
    await host.raiseEvent(id, updateEvent(1), { seq: 1 });
    assert.equal(sent(host).filter((d) => d.seq === 1).length, 2);
  });

  test('an update and the close arriving together: the update notices go out, then the workflow ends', async () => {
    const w = world();
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    w.updates = 1;
    await host.raiseEvent(id, updateEvent(1), { seq: 1 });
    await host.raiseEvent(id, CLOSE_EVENT, {});
    assert.equal(sent(host).filter((d) => d.seq === 1).length, 2);
    assert.deepEqual(host.status(id).output, { outcome: 'closed', notices: 2 });
  });

  // The extension's shim builds Task.all from .NET Task.WhenAll, which completes only when every
  // task has (OutOfProcOrchestrationShim.InvokeAPIFromAction, azure-functions-durable-extension
  // a7c6d694), while the JS library fails its Task.all at the first failure. A race that contains a
  // Task.all of notice workflows therefore ends at different times on the two sides when one notice
  // fails, and an event wait re-issued after it is a second waiter the extension never wakes.
  test('a notice workflow that fails while the others still run does not stop later updates reaching the other tenants', async () => {
    const w = world({ unreachable: new Set([EU]) });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('PT1H'); // every retry of the EU delivery fails (about ten minutes of backoff)
    assert.equal(host.status(noticeInstanceId(BREACH, EU, 0)).runtimeStatus, 'Failed');
    assert.equal(host.status(noticeInstanceId(BREACH, UK, 0)).runtimeStatus, 'Running', 'the UK notice waits for its acknowledgement');
    assert.equal(host.status(id).runtimeStatus, 'Running');

    w.updates = 1;
    await host.raiseEvent(id, updateEvent(1), { seq: 1 });
    assert.deepEqual(
      sent(host).filter((d) => d.seq === 1).map((d) => d.tenantId),
      [UK],
      'the update reaches the tenant whose notices can be delivered',
    );
    await host.raiseEvent(id, CLOSE_EVENT, {});
    assert.deepEqual(host.status(id).output, { outcome: 'closed', notices: 2 });
  });
});

describe('breach workflow, opened as a draft (the 72-hour clock)', () => {
  test('released before the first reminder: no alert is sent and the notices go out at the release', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    assert.equal(phaseOf(host, id), 'draft');
    assert.equal((host.status(id).customStatus as { notifyBy: string }).notifyBy, at(START, 72 * HOUR).toISOString());
    await host.advance('PT23H');
    w.released = true;
    await host.raiseEvent(id, RELEASE_EVENT, {});
    await host.advance('P4D');
    assert.deepEqual(alerts(host), []);
    assert.equal(sent(host).filter((d) => d.attempt === 0).length, 2);
  });

  test('released between the 24-hour and the 48-hour reminders: only the first reminder is sent', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('PT30H');
    assert.deepEqual(alerts(host), ['notify-target']);
    w.released = true;
    await host.raiseEvent(id, RELEASE_EVENT, {});
    await host.advance('P3D');
    assert.deepEqual(alerts(host), ['notify-target']);
    assert.equal(sent(host).filter((d) => d.attempt === 0).length, 2);
  });

  test('never released: reminders at 24, 48 and 66 hours and the escalation at 70, then it waits for the release however late', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('P10D');
    assert.deepEqual(alerts(host), ['notify-target', 'reminder-48h', 'reminder-66h', 'escalation-70h']);
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'breachClockAlert').map((c) => c.at.toISOString()),
      [24, 48, 66, 70].map((h) => at(START, h * HOUR).toISOString()),
    );
    assert.equal(host.status(id).runtimeStatus, 'Running');
    assert.equal(sent(host).length, 0);
    w.released = true;
    await host.raiseEvent(id, RELEASE_EVENT, {});
    assert.equal(sent(host).length, 2);
  });

  test('a release whose event was lost is found by the next alert, which then stops the clock', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    await host.start('breachNotification', { breachId: BREACH });
    await host.advance('PT25H');
    w.released = true; // recorded in the store, but the event never arrived
    await host.advance('P3D');
    assert.deepEqual(alerts(host), ['notify-target', 'reminder-48h']);
    assert.equal(sent(host).filter((d) => d.attempt === 0).length, 2);
  });

  test('a draft closed as not notifiable: the close stops the clock and nothing is sent', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('PT30H');
    w.closed = true;
    await host.raiseEvent(id, CLOSE_EVENT, {});
    await host.advance('P4D');
    // The next clock point (48 hours) finds the draft closed in the store (its alert answers 'closed', sending nothing) and ends.
    assert.deepEqual(alerts(host), ['notify-target', 'reminder-48h']);
    assert.deepEqual(host.status(id).output, { outcome: 'closed', notices: 0 });
    assert.equal(sent(host).length, 0);
  });

  test('a draft closed after the escalation ends its wait for a release', async () => {
    const w = world({ released: false });
    const host = await breachHost(w);
    const id = await host.start('breachNotification', { breachId: BREACH });
    await host.advance('P4D');
    w.closed = true;
    await host.raiseEvent(id, CLOSE_EVENT, {});
    assert.deepEqual(host.status(id).output, { outcome: 'closed', notices: 0 });
  });

  test('opened after 70 hours: the escalation goes out at once', async () => {
    const w = world({ released: false, awareAt: at(START, -71 * HOUR) });
    const host = await breachHost(w);
    await host.start('breachNotification', { breachId: BREACH });
    assert.deepEqual(alerts(host), ['escalation-70h']);
  });
});

describe("a tenant's notice workflow (acknowledgement raced against re-sends)", () => {
  const ref = { breachId: BREACH, tenantId: UK, seq: 0 };

  test('acknowledged before the first re-send: no re-send, and the instance completes at once', async () => {
    const host = await breachHost(world());
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT5H');
    await host.raiseEvent(id, ACKNOWLEDGE_EVENT, {});
    assert.deepEqual(host.status(id).output, { outcome: 'acknowledged', resends: 0 });
    assert.deepEqual(sent(host).map((d) => d.attempt), [0]);
  });

  test('never acknowledged: re-sent every 24 hours, three times, then ops are alerted 24 hours after the last re-send', async () => {
    const host = await breachHost(world());
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('P5D');
    assert.deepEqual(sent(host).map((d) => d.attempt), [0, 1, 2, 3]);
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'breachDeliverNotice').map((c) => c.at.toISOString()),
      [0, 24, 48, 72].map((h) => at(START, h * HOUR).toISOString()),
    );
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'breachNoticeUnacknowledged').map((c) => c.at.toISOString()),
      [at(START, 96 * HOUR).toISOString()],
    );
    assert.deepEqual(host.status(id).output, { outcome: 'unacknowledged', resends: 3 });
  });

  test('acknowledged after the last re-send, before its 24 hours are up: no alert', async () => {
    const host = await breachHost(world());
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT80H');
    await host.raiseEvent(id, ACKNOWLEDGE_EVENT, {});
    await host.advance('P2D');
    assert.deepEqual(host.inputsOf('breachNoticeUnacknowledged'), []);
    assert.deepEqual(host.status(id).output, { outcome: 'acknowledged', resends: 3 });
  });

  test('acknowledged after two re-sends', async () => {
    const host = await breachHost(world());
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT50H');
    await host.raiseEvent(id, ACKNOWLEDGE_EVENT, {});
    assert.deepEqual(host.status(id).output, { outcome: 'acknowledged', resends: 2 });
  });

  test('an acknowledgement whose event was lost is found by the next re-send', async () => {
    const w = world();
    const host = await breachHost(w);
    const id = await host.start('tenantBreachNotice', ref);
    w.acknowledged.add(`${UK}:0`);
    await host.advance('P2D');
    assert.deepEqual(host.status(id).output, { outcome: 'acknowledged', resends: 0 });
  });

  test('a tenant deleted before the notice is skipped without waiting, and one deleted later stops the re-sends', async () => {
    const w = world({ deleted: new Set([UK]) });
    const host = await breachHost(w);
    const first = await host.start('tenantBreachNotice', ref);
    assert.deepEqual(host.status(first).output, { outcome: 'skipped' });

    const w2 = world();
    const later = await breachHost(w2);
    const id = await later.start('tenantBreachNotice', ref);
    w2.deleted.add(UK);
    await later.advance('P2D');
    assert.deepEqual(later.status(id).output, { outcome: 'skipped', resends: 0 });
  });

  test('a delivery that fails twice is retried with backoff and sent once', async () => {
    const host = await workflowHost({
      breachDeliverNotice: (_input: Delivery, call) => {
        if (call.attempt <= 2) throw new Error('throttled');
        return 'sent';
      },
    });
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT1M');
    assert.equal(host.calls.filter((c) => c.activity === 'breachDeliverNotice').length, 3);
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'breachDeliverNotice').map((c) => c.at.getTime() - START.getTime()),
      [0, 5_000, 15_000],
      'retries after 5 s, then 10 s more',
    );
    assert.equal(host.status(id).runtimeStatus, 'Running', 'sent, now waiting for the acknowledgement');
  });

  test('a delivery that keeps failing keeps trying at most 5 minutes apart, alerts ops once, and is sent once after recovery', async () => {
    let down = true;
    const host = await workflowHost({
      breachDeliverNotice: () => {
        if (down) throw activityError('the tenant region store is unavailable', { code: 'STORE.UNAVAILABLE' });
        return 'sent';
      },
      opsAlertFailingStep: () => 'emailed',
    });
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT1H');
    assert.equal(host.status(id).runtimeStatus, 'Running', 'an hour of outage does not end the obligation');
    const tries = host.calls.filter((c) => c.activity === 'breachDeliverNotice').map((c) => c.at.getTime());
    assert.ok(tries.slice(1).every((t, i) => t - tries[i]! <= 5 * 60_000), 'never more than 5 minutes apart');
    assert.equal(host.inputsOf('opsAlertFailingStep').length, 1, 'one alert, not one per retry');
    assert.deepEqual((host.inputsOf('opsAlertFailingStep')[0] as { flow: string; code: string }).flow, 'breach-notice');
    down = false;
    await host.advance('PT5M');
    assert.equal(host.status(id).runtimeStatus, 'Running', 'sent, now waiting for the acknowledgement');
    assert.equal(host.calls.filter((c) => c.activity === 'breachDeliverNotice').length, tries.length + 1, 'one successful try after recovery');
  });

  test('a delivery that cannot succeed fails the notice workflow, visibly', async () => {
    const host = await workflowHost({ breachDeliverNotice: alwaysRefuses('the notice was refused') });
    const id = await host.start('tenantBreachNotice', ref);
    await host.advance('PT1H');
    assert.equal(host.calls.filter((c) => c.activity === 'breachDeliverNotice').length, 1);
    assert.equal(host.status(id).runtimeStatus, 'Failed');
    assert.match(String(host.status(id).output), /the notice was refused/);
  });
});

