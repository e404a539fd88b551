// Branch tests of a sub-processor change, in process: the real subProcessorChange and
// subProcessorNoticeRound orchestrators on the local host's engine, every activity a double over a
// small model of the change. Each message goes to every batch once (a round continues as new, so no
// history grows with the tenants); a withdrawal is raced against every wait, and one whose signal was
// lost is found from the record before the next step; objections wake the workflow whenever they come.
import { workflowHost, at, DAY, type InProcessDurableHost } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OBJECTIONS_EVENT, WITHDRAW_EVENT } from '../../shared/sub-processors/change.js';

const START = new Date('2026-03-02T09:00:00Z');
const CHANGE_ID = 'spc-0123456789abcdef';
const INSTANCE = `sub-processor-change-${CHANGE_ID}`;
const EFFECTIVE = at(START, 35 * DAY);

interface ChangeWorld {
  phase: 'notice-period' | 'effective' | 'withdrawn';
  batches: number;
  unanswered: number;
}

async function changeHost(w: ChangeWorld): Promise<InProcessDurableHost> {
  return workflowHost(
    {
      subProcessorChangePlan: () => ({ effectiveAt: EFFECTIVE.toISOString(), phase: w.phase }),
      subProcessorChangeResolveTenants: () => ({ tenants: w.batches * 20, batches: w.batches }),
      subProcessorChangeDeliverBatch: () => ({ tenants: 20, sent: 20 }),
      subProcessorChangeObjections: () => ({ objections: 1, unanswered: w.unanswered }),
      subProcessorChangeRemindOps: () => w.unanswered,
      subProcessorChangeApply: () => {
        if (w.phase === 'withdrawn') return { outcome: 'withdrawn' };
        w.phase = 'effective';
        return { outcome: 'effective', version: 2 };
      },
    },
    START,
  );
}

/** Which message went to which batch, in order: `notice:0`, `reminder:3`... */
const deliveries = (host: InProcessDurableHost): string[] =>
  host.inputsOf('subProcessorChangeDeliverBatch').map((i) => `${(i as { notice: string }).notice}:${(i as { batch: number }).batch}`);
const rounds = (host: InProcessDurableHost): string[] => [...new Set(deliveries(host).map((d) => d.split(':')[0]!))];

describe('sub-processor change workflow', () => {
  test('every batch is told once, reminded 7 days before, ops reminded 3 days before, recorded at its instant; a round of 60 batches continues as new', async () => {
    const w: ChangeWorld = { phase: 'notice-period', batches: 60, unanswered: 1 };
    const host = await changeHost(w);
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    assert.deepEqual(
      deliveries(host),
      Array.from({ length: 60 }, (_, b) => `notice:${b}`),
      'each batch once, in order',
    );
    const round = host.status(`${INSTANCE}:notice`);
    assert.equal((round.input as { batch: number }).batch, 50, 'the third generation of the round started at batch 50');
    assert.deepEqual(round.output, { batch: 60, batches: 60, tenants: 1200, sent: 1200 });

    await host.advance(at(START, 28 * DAY - 1000));
    assert.deepEqual(rounds(host), ['notice']);
    await host.advance(at(START, 28 * DAY));
    assert.deepEqual(rounds(host), ['notice', 'reminder']);
    assert.equal(
      host.calls
        .find((c) => c.activity === 'subProcessorChangeDeliverBatch' && (c.input as { notice: string }).notice === 'reminder')
        ?.at.toISOString(),
      at(START, 28 * DAY).toISOString(),
    );

    await host.advance(at(START, 32 * DAY));
    assert.equal(host.calls.find((c) => c.activity === 'subProcessorChangeRemindOps')?.at.toISOString(), at(START, 32 * DAY).toISOString());
    assert.deepEqual(host.inputsOf('subProcessorChangeApply'), []);
    await host.advance(EFFECTIVE);
    assert.equal(host.calls.find((c) => c.activity === 'subProcessorChangeApply')?.at.toISOString(), EFFECTIVE.toISOString());
    assert.deepEqual(rounds(host), ['notice', 'reminder', 'effective']);
    assert.equal(deliveries(host).length, 180);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'effective', version: 2, tenants: 1200 });
  });

  test('an objection wakes the workflow at once, each time, without moving its milestones', async () => {
    const host = await changeHost({ phase: 'notice-period', batches: 1, unanswered: 1 });
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    // Each signal is handled at once (the daily re-plans also handle what the record holds).
    const handled = (): number => host.inputsOf('subProcessorChangeObjections').length;
    await host.advance('P3D');
    const beforeFirst = handled();
    await host.raiseEvent(INSTANCE, OBJECTIONS_EVENT, null);
    assert.equal(handled(), beforeFirst + 1);
    await host.advance('P1D');
    const beforeSecond = handled();
    await host.raiseEvent(INSTANCE, OBJECTIONS_EVENT, null);
    assert.equal(handled(), beforeSecond + 1);
    await host.advance(at(START, 28 * DAY));
    assert.deepEqual(rounds(host), ['notice', 'reminder'], 'the reminder still falls 7 days before');
    await host.advance(EFFECTIVE);
    assert.equal(host.status(INSTANCE).runtimeStatus, 'Completed');
  });

  for (const [when, day, before] of [
    ['during the notice period', 10, ['notice']],
    ['after the tenant reminder', 30, ['notice', 'reminder']],
  ] as const) {
    test(`withdrawn ${when}: the tenants are told, nothing more is sent, the list never changes`, async () => {
      const w: ChangeWorld = { phase: 'notice-period', batches: 2, unanswered: 0 };
      const host = await changeHost(w);
      await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
      await host.advance(at(START, day * DAY));
      w.phase = 'withdrawn';
      await host.raiseEvent(INSTANCE, WITHDRAW_EVENT, null);
      await host.advance('P60D');
      assert.deepEqual(rounds(host), [...before, 'withdrawn']);
      assert.deepEqual(host.inputsOf('subProcessorChangeApply'), []);
      assert.deepEqual(host.status(INSTANCE).output, { outcome: 'withdrawn', tenants: 40 });
    });
  }

  test('a withdrawal whose signal was lost is found in the record before the reminder, which is not sent', async () => {
    const w: ChangeWorld = { phase: 'notice-period', batches: 1, unanswered: 0 };
    const host = await changeHost(w);
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    await host.advance('P5D');
    w.phase = 'withdrawn'; // recorded by the route; the event never arrives
    await host.advance('P60D');
    assert.deepEqual(rounds(host), ['notice', 'withdrawn']);
    assert.equal(host.calls.find((c) => (c.input as { notice?: string }).notice === 'withdrawn')?.at.toISOString(), at(START, 28 * DAY).toISOString());
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'withdrawn', tenants: 20 });
  });

  test('started on a withdrawn change (a failed instance repaired), it sends only the withdrawal, to the tenants already told', async () => {
    const host = await changeHost({ phase: 'withdrawn', batches: 3, unanswered: 0 });
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    assert.deepEqual(rounds(host), ['withdrawn']);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'withdrawn', tenants: 60 });
  });

  test('started on an effective change (a late answer), it sends what objections still owe and ends', async () => {
    const host = await changeHost({ phase: 'effective', batches: 2, unanswered: 0 });
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    assert.deepEqual(deliveries(host), []);
    assert.equal(host.inputsOf('subProcessorChangeObjections').length, 1);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'effective', tenants: 40 });
  });

  test('an email outage of hours is waited out: the notice is retried until it goes, and the change goes on', async () => {
    let failuresLeft = 40; // about 2 h 55 min at the backoff (5 s doubling, capped at 5 min)
    const w: ChangeWorld = { phase: 'notice-period', batches: 1, unanswered: 0 };
    const host = await workflowHost(
      {
        subProcessorChangePlan: () => ({ effectiveAt: EFFECTIVE.toISOString(), phase: w.phase }),
        subProcessorChangeResolveTenants: () => ({ tenants: 20, batches: 1 }),
        subProcessorChangeDeliverBatch: () => {
          if (failuresLeft-- > 0) throw new Error('email service unavailable');
          return { tenants: 20, sent: 20 };
        },
        subProcessorChangeObjections: () => ({ objections: 0, unanswered: 0 }),
        subProcessorChangeRemindOps: () => 0,
        subProcessorChangeApply: () => ({ outcome: 'effective', version: 2 }),
      },
      START,
    );
    await host.start('subProcessorChange', { changeId: CHANGE_ID }, INSTANCE);
    await host.advance('PT4H');
    const sent = host.calls.filter((c) => c.activity === 'subProcessorChangeDeliverBatch' && c.outcome === 'returned');
    assert.equal(sent.length, 1, 'told once the service is back');
    assert.ok(sent[0]!.at.getTime() - START.getTime() > 2.5 * 3600_000, 'still trying after hours, not given up after a few tries');
    await host.advance(EFFECTIVE);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'effective', version: 2, tenants: 20 });
  });
});
