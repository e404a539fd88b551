// Branch tests of a support grant's workflow, in process: the real supportGrant orchestrator on the
// local host's engine, with a double of the grant record behind its bookkeeping activity. Each way
// a grant ends: undecided until the deadline, approved then expired, break-glass, revoked early;
// the losing timer never holds the instance open.
import { workflowHost, at, HOUR, IDS, phaseOf } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const START = new Date('2026-03-02T09:00:00Z');
const REF = { tenantId: IDS.ukTenant, grantId: 'g-0123456789abcdef' };
const INSTANCE = `support-grant-${IDS.ukTenant}-${REF.grantId}`;

type Status = 'pending' | 'active' | 'denied' | 'expired' | 'revoked';

/** The grant record as the bookkeeping activity sees it: its status by the clock (`asOf`), and when to look again. */
function grantRecord(initial: { status: Status; emergency?: boolean; decideBy?: Date; expiresAt?: Date }) {
  const record = { emergency: false, decideBy: at(START, 24 * HOUR), ...initial };
  return {
    record,
    settle: (input: { asOf: string }) => {
      const now = new Date(input.asOf).getTime();
      if (record.status === 'pending' && now >= record.decideBy.getTime()) record.status = 'expired';
      if (record.status === 'active' && now >= record.expiresAt!.getTime()) record.status = 'expired';
      const wakeAt = record.status === 'pending' ? record.decideBy : record.status === 'active' ? record.expiresAt : undefined;
      return { status: record.status, emergency: record.emergency, ...(wakeAt ? { wakeAt: wakeAt.toISOString() } : {}) };
    },
  };
}

const noticesOf = (host: Awaited<ReturnType<typeof workflowHost>>): string[] => (host.inputsOf('supportGrantNotify') as { kind: string }[]).map((n) => n.kind);

describe('support grant workflow', () => {
  test('an undecided request lapses at its deadline: the contacts are told of the request and of its end', async () => {
    const grant = grantRecord({ status: 'pending' });
    const host = await workflowHost({ supportGrantSettle: grant.settle, supportGrantNotify: () => 1 }, START);
    await host.start('supportGrant', REF, INSTANCE);
    assert.deepEqual(noticesOf(host), ['requested']);
    assert.equal(phaseOf(host, INSTANCE), 'pending');
    await host.advance(at(START, 24 * HOUR - 1000));
    assert.equal(host.status(INSTANCE).runtimeStatus, 'Running');
    await host.advance('PT1S');
    assert.deepEqual(host.status(INSTANCE).output, { status: 'expired' });
    assert.deepEqual(noticesOf(host), ['requested', 'ended']);
    // The bookkeeping ran at the deadline, with the workflow's own time.
    assert.equal((host.inputsOf('supportGrantSettle') as { asOf: string }[]).at(-1)!.asOf, at(START, 24 * HOUR).toISOString());
  });

  test('an approval wakes the workflow, which then waits for the expiry only (the lapse timer is cancelled)', async () => {
    const grant = grantRecord({ status: 'pending' });
    const host = await workflowHost({ supportGrantSettle: grant.settle, supportGrantNotify: () => 1 }, START);
    await host.start('supportGrant', REF, INSTANCE);
    await host.advance('PT1H');
    Object.assign(grant.record, { status: 'active', expiresAt: at(START, 3 * HOUR) });
    await host.raiseEvent(INSTANCE, 'grantChanged', null);
    assert.equal(phaseOf(host, INSTANCE), 'active');
    await host.advance(at(START, 3 * HOUR));
    assert.deepEqual(host.status(INSTANCE).output, { status: 'expired' });
    assert.equal(host.status(INSTANCE).runtimeStatus, 'Completed', 'not held open until the 24-hour lapse timer');
    assert.deepEqual(noticesOf(host), ['requested', 'ended']);
  });

  test('break-glass: the contacts are told at once, and again when it ends', async () => {
    const grant = grantRecord({ status: 'active', emergency: true, expiresAt: at(START, HOUR) });
    const host = await workflowHost({ supportGrantSettle: grant.settle, supportGrantNotify: () => 2 }, START);
    await host.start('supportGrant', REF, INSTANCE);
    assert.deepEqual(noticesOf(host), ['break-glass']);
    await host.advance('PT1H');
    assert.deepEqual(noticesOf(host), ['break-glass', 'ended']);
    assert.deepEqual(host.status(INSTANCE).output, { status: 'expired' });
  });

  test('a mail outage of hours delays the break-glass notice, which is retried until sent, and the grant still ends on time', async () => {
    const grant = grantRecord({ status: 'active', emergency: true, expiresAt: at(START, HOUR) });
    let failures = 0;
    const host = await workflowHost(
      {
        supportGrantSettle: grant.settle,
        supportGrantNotify: (input: { kind: string }) => {
          if (input.kind === 'break-glass' && failures < 30) {
            failures++;
            throw new Error('mail service unavailable');
          }
          return 2;
        },
      },
      START,
    );
    await host.start('supportGrant', REF, INSTANCE);
    await host.advance('PT3H');
    assert.equal(failures, 30, 'retried through the outage');
    assert.deepEqual(noticesOf(host).filter((kind, i, all) => all.indexOf(kind) === i), ['break-glass', 'ended']);
    assert.deepEqual(host.status(INSTANCE).output, { status: 'expired' });
    // The notice went out after the expiry: the bookkeeping then finds the grant over at once, by its time.
    assert.ok(new Date((host.inputsOf('supportGrantSettle') as { asOf: string }[]).at(-1)!.asOf) > at(START, HOUR));
  });

  test('a denied request ends the workflow without another notice; a revoked grant ends it with one', async () => {
    const denied = grantRecord({ status: 'pending' });
    const host = await workflowHost({ supportGrantSettle: denied.settle, supportGrantNotify: () => 1 }, START);
    await host.start('supportGrant', REF, INSTANCE);
    denied.record.status = 'denied';
    await host.raiseEvent(INSTANCE, 'grantChanged', null);
    assert.deepEqual(host.status(INSTANCE).output, { status: 'denied' });
    assert.deepEqual(noticesOf(host), ['requested']);

    const revoked = grantRecord({ status: 'active', expiresAt: at(START, 8 * HOUR) });
    const second = await workflowHost({ supportGrantSettle: revoked.settle, supportGrantNotify: () => 1 }, START);
    await second.start('supportGrant', REF, INSTANCE);
    revoked.record.status = 'revoked';
    await second.raiseEvent(INSTANCE, 'grantChanged', null);
    assert.deepEqual(second.status(INSTANCE).output, { status: 'revoked' });
    assert.equal(second.status(INSTANCE).runtimeStatus, 'Completed', 'the expiry timer does not hold it open');
    assert.deepEqual(noticesOf(second), ['ended']);
  });
});
