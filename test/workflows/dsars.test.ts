// Branch tests of the data-subject request workflow, in process: the real dataSubjectRequest
// orchestrator on the local host's engine, its activities doubles over a small model of the
// request. The workflow re-reads the request after every step and every change, so the model is a
// plan the test sets; each phase and each side of each race (a change against a deadline step) is run.
import { workflowHost, at, DAY, IDS, phaseOf, type InProcessDurableHost } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DSAR_CHANGED_EVENT } from '../../shared/dsars/dsar.js';
import type { DsarPlan } from '../../shared/dsars/schedule.js';

const START = new Date('2026-03-02T09:00:00Z');
const REF = { tenantId: IDS.ukTenant, dsarId: IDS.dsar };
const ID = `dsar-${IDS.dsar}`;

interface DsarWorld {
  plan: DsarPlan;
  /** What a fulfilment returns; 'skipped' leaves the plan at 'fulfil' (the request still asks for it). */
  fulfilment: 'completed' | 'failed' | 'skipped';
}

const step = (kind: 'reminder-7d' | 'reminder-1d' | 'escalation', atMs: number) => ({ kind, at: at(START, atMs).toISOString(), dueOn: '2026-04-02' });

async function dsarHost(w: DsarWorld): Promise<InProcessDurableHost> {
  return workflowHost(
    {
      dsarLoadPlan: () => w.plan,
      dsarForwardToController: () => {
        w.plan = { phase: 'running', status: 'received', dueOn: '2026-04-02' };
        return 2;
      },
      dsarFulfil: () => {
        if (w.fulfilment !== 'skipped') w.plan = { phase: 'closed', status: w.fulfilment === 'completed' ? 'completed' : 'received' } as DsarPlan;
        return w.fulfilment;
      },
      dsarDeadlineStep: (input: { step: { kind: string } }) => {
        const next = { 'reminder-7d': step('reminder-1d', 6 * DAY), 'reminder-1d': step('escalation', 8 * DAY), escalation: undefined }[input.step.kind];
        w.plan = { phase: 'running', status: 'received', dueOn: '2026-04-02', ...(next ? { next } : {}) };
        return 'done';
      },
    },
    START,
  );
}

const steps = (host: InProcessDurableHost): string[] => host.inputsOf('dsarDeadlineStep').map((i) => (i as { step: { kind: string } }).step.kind);

async function change(host: InProcessDurableHost, w: DsarWorld, plan: DsarPlan): Promise<void> {
  w.plan = plan;
  await host.raiseEvent(ID, DSAR_CHANGED_EVENT, { change: 'test' });
}

describe('data-subject request workflow', () => {
  test('deadline steps are taken at their instants: 7-day and 1-day reminders, then the escalation, then it waits for a change', async () => {
    const w: DsarWorld = { plan: { phase: 'running', status: 'received', dueOn: '2026-04-02', next: step('reminder-7d', 2 * DAY) }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    await host.advance(at(START, 2 * DAY - 1000));
    assert.deepEqual(steps(host), []);
    await host.advance('P10D');
    assert.deepEqual(steps(host), ['reminder-7d', 'reminder-1d', 'escalation']);
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'dsarDeadlineStep').map((c) => c.at.getTime() - START.getTime()),
      [2 * DAY, 6 * DAY, 8 * DAY],
    );
    assert.deepEqual([phaseOf(host, ID), (host.status(ID).customStatus as { next?: string }).next], ['running', undefined], 'no step left');
    assert.equal(host.status(ID).runtimeStatus, 'Running');
    await change(host, w, { phase: 'closed', status: 'completed' });
    assert.deepEqual(host.status(ID).output, { outcome: 'completed' });
  });

  test('a change before a step is due wins the race: the plan is read again and the step is not taken', async () => {
    const w: DsarWorld = { plan: { phase: 'running', status: 'received', dueOn: '2026-04-02', next: step('reminder-7d', 2 * DAY) }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    await host.advance('P1D');
    await change(host, w, { phase: 'running', status: 'extended', dueOn: '2026-06-02', next: step('reminder-7d', 40 * DAY) });
    await host.advance('P5D');
    assert.deepEqual(steps(host), [], 'the old reminder instant passed without a reminder');
    // Read at the start, on the daily re-plan, after the change, then once a day while nothing is due.
    assert.equal(host.inputsOf('dsarLoadPlan').length, 1 + 1 + 1 + 5);
    await host.advance('P40D');
    assert.equal(steps(host)[0], 'reminder-7d');
    assert.equal(host.calls.find((c) => c.activity === 'dsarDeadlineStep')?.at.getTime(), at(START, 40 * DAY).getTime(), 'at the new instant');
  });

  test('a request the vendor received is forwarded to the controller first', async () => {
    const w: DsarWorld = { plan: { phase: 'forward' }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    assert.equal(host.inputsOf('dsarForwardToController').length, 1);
    assert.equal(phaseOf(host, ID), 'running');
  });

  test('waiting for identity evidence: nothing but a daily re-read of the request until it changes', async () => {
    const w: DsarWorld = { plan: { phase: 'awaiting-identity' }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    await host.advance('P60D');
    assert.equal(host.inputsOf('dsarLoadPlan').length, 1 + 60, 'one read at the start, then one a day');
    assert.deepEqual([...new Set(host.calls.map((c) => c.activity))], ['dsarLoadPlan'], 'no step, no notice while the clock has not started');
    assert.equal(phaseOf(host, ID), 'awaiting-identity');
    await change(host, w, { phase: 'running', status: 'received', dueOn: '2026-05-01', next: step('reminder-7d', 70 * DAY) });
    assert.equal(host.inputsOf('dsarLoadPlan').length, 62);
  });

  test('identity evidence recorded while its event was lost is found at the next daily re-read', async () => {
    const w: DsarWorld = { plan: { phase: 'awaiting-identity' }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    await host.advance('PT2H');
    w.plan = { phase: 'running', status: 'received', dueOn: '2026-04-01', next: step('reminder-7d', 2 * DAY) }; // stored, never signalled
    await host.advance('PT22H');
    assert.equal(phaseOf(host, ID), 'running', 'the workflow re-planned from the record within a day');
    await host.advance('P1D');
    assert.deepEqual(steps(host), ['reminder-7d'], 'and took the step when it fell due');
  });

  test('fulfilment asked for runs, and a completed request closes the workflow', async () => {
    const w: DsarWorld = { plan: { phase: 'fulfil' }, fulfilment: 'completed' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    assert.equal(host.inputsOf('dsarFulfil').length, 1);
    assert.deepEqual(host.status(ID).output, { outcome: 'completed' });
  });

  test('a fulfilment skipped while still asked for waits for a change instead of running again', async () => {
    const w: DsarWorld = { plan: { phase: 'fulfil' }, fulfilment: 'skipped' };
    const host = await dsarHost(w);
    await host.start('dataSubjectRequest', REF, ID);
    await host.advance('P3D');
    assert.equal(host.inputsOf('dsarFulfil').length, 1, 'no second attempt without a change');
    w.fulfilment = 'completed';
    await host.raiseEvent(ID, DSAR_CHANGED_EVENT, { change: 'fulfilment' });
    assert.equal(host.inputsOf('dsarFulfil').length, 2);
    assert.deepEqual(host.status(ID).output, { outcome: 'completed' });
  });

  test('a request already closed ends the workflow at once', async () => {
    const host = await dsarHost({ plan: { phase: 'closed', status: 'refused' } as DsarPlan, fulfilment: 'completed' });
    await host.start('dataSubjectRequest', REF, ID);
    assert.deepEqual(host.status(ID).output, { outcome: 'refused' });
  });
});
