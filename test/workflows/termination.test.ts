// Branch tests of tenant termination, in process: the real tenantTermination and tenantDataDeletion
// orchestrators on the local host's engine, every activity a double over a small model of the
// termination. Reactivation is raced against every wait of the grace window; each side of each race
// is run, then deletion, key purge and backup expiry to the final certificate.
import { workflowHost, at, DAY, HOUR, IDS, phaseOf, type InProcessDurableHost } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REACTIVATE_EVENT } from '../../shared/termination/termination.js';

const START = new Date('2026-03-02T09:00:00Z');
const REF = { tenantId: IDS.euTenant, terminationId: IDS.termination };
const INSTANCE = `termination-${IDS.euTenant}`;

interface TerminationWorld {
  disposition: 'delete' | 'return-then-delete';
  effectiveAt: Date;
  /** Reactivated in the store (the tenant admin cancelled), whether or not the event arrived. */
  reactivated: boolean;
  /** Documents left to delete; each batch takes up to `limit`. */
  documents: number;
  /** The key is purged from Key Vault after this many checks. */
  keyGoneAfterChecks: number;
}

function world(overrides: Partial<TerminationWorld> = {}): TerminationWorld {
  return { disposition: 'delete', effectiveAt: START, reactivated: false, documents: 2500, keyGoneAfterChecks: 1, ...overrides };
}

async function terminationHost(w: TerminationWorld): Promise<InProcessDurableHost> {
  let keyChecks = 0;
  return workflowHost(
    {
      terminationLoadPlan: () => ({
        ...REF,
        instanceId: INSTANCE,
        disposition: w.disposition,
        effectiveAt: w.effectiveAt.toISOString(),
        graceEndsAt: at(w.effectiveAt, 30 * DAY).toISOString(),
      }),
      terminationStillTerminating: () => !w.reactivated,
      terminationStartGrace: () => (w.reactivated ? 'reactivated' : 'in-grace'),
      terminationSendNotice: () => 1,
      terminationReturnData: () => ({ files: 3, rows: 120, expiresOn: '2026-04-01' }),
      terminationBeginDeletion: () => (w.reactivated ? 'reactivated' : 'proceed'),
      terminationDeleteBatch: (input: { limit: number; final: boolean }) => {
        const deleted = Math.min(input.limit, w.documents);
        w.documents -= deleted;
        return deleted === 0 ? { done: true, deleted: 0, byType: {} } : { done: false, deleted, byType: { record: deleted } };
      },
      terminationRecordDeletionProgress: (input: { completed: boolean }) => ({
        backupsExpireAt: input.completed ? at(START, 70 * DAY).toISOString() : null,
      }),
      terminationDeleteFiles: () => [{ store: 'blob:exports', method: 'blob deletion by tenant prefix', items: 2, byType: { file: 2 } }],
      terminationRetainRecipients: () => 2,
      terminationDestroyKey: () => ({ unrecoverableAt: at(START, 40 * DAY).toISOString() }),
      terminationIssueCertificate: () => ({ issuedAt: START.toISOString() }),
      terminationAwaitKeyPurge: () => null,
      terminationConfirmKeyGone: () => ++keyChecks >= w.keyGoneAfterChecks,
      terminationMarkBackupsExpired: () => null,
      terminationComplete: () => null,
    },
    START,
  );
}

const notices = (host: InProcessDurableHost): string[] =>
  host.inputsOf('terminationSendNotice').map((i) => {
    const notice = (i as { notice: { kind: string; daysLeft?: number; certificate?: string } }).notice;
    return notice.kind === 'grace-reminder'
      ? `grace-reminder-${notice.daysLeft}d`
      : notice.kind === 'certificate'
        ? `certificate-${notice.certificate}`
        : notice.kind;
  });

async function reactivate(host: InProcessDurableHost, w: TerminationWorld): Promise<void> {
  w.reactivated = true;
  await host.raiseEvent(INSTANCE, REACTIVATE_EVENT, { at: host.clock.now().toISOString() });
}

describe('termination: reactivation raced against every wait of the grace window', () => {
  test('a termination scheduled for later and cancelled before it takes effect never starts the grace window', async () => {
    const w = world({ effectiveAt: at(START, 10 * DAY) });
    const host = await terminationHost(w);
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance('P5D');
    await reactivate(host, w);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'reactivated' });
    assert.deepEqual(host.inputsOf('terminationStartGrace'), []);
    assert.deepEqual(notices(host), ['reactivated']);
  });

  test('a termination scheduled for later starts its grace window at the effective instant', async () => {
    const w = world({ effectiveAt: at(START, 10 * DAY) });
    const host = await terminationHost(w);
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance(at(START, 10 * DAY - 1000));
    assert.deepEqual(host.inputsOf('terminationStartGrace'), []);
    await host.advance('PT1S');
    assert.equal(host.calls.find((c) => c.activity === 'terminationStartGrace')?.at.toISOString(), at(START, 10 * DAY).toISOString());
    assert.deepEqual(notices(host), ['grace-started']);
  });

  test('a cancellation recorded before the grace window starts is found when it starts', async () => {
    const host = await terminationHost(world({ reactivated: true }));
    await host.start('tenantTermination', REF, INSTANCE);
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'reactivated' });
    assert.deepEqual(notices(host), ['reactivated']);
  });

  test('reminders go out 7 days and 1 day before the grace window ends', async () => {
    const host = await terminationHost(world());
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance(at(START, 29 * DAY + HOUR));
    assert.deepEqual(notices(host), ['grace-started', 'grace-reminder-7d', 'grace-reminder-1d']);
    assert.deepEqual(
      host.calls.filter((c) => c.activity === 'terminationSendNotice').map((c) => c.at.toISOString()),
      [START, at(START, 23 * DAY), at(START, 29 * DAY)].map((d) => d.toISOString()),
    );
    assert.equal(host.status(INSTANCE).runtimeStatus, 'Running');
  });

  for (const [when, day, sentBefore] of [
    ['before the 7-day reminder', 10, ['grace-started']],
    ['between the reminders', 25, ['grace-started', 'grace-reminder-7d']],
    ['after the 1-day reminder', 29.5, ['grace-started', 'grace-reminder-7d', 'grace-reminder-1d']],
  ] as const) {
    test(`reactivated ${when}: no further reminder, no deletion, a reactivation notice`, async () => {
      const w = world();
      const host = await terminationHost(w);
      await host.start('tenantTermination', REF, INSTANCE);
      await host.advance(at(START, day * DAY));
      await reactivate(host, w);
      await host.advance('P60D');
      assert.deepEqual(host.status(INSTANCE).output, { outcome: 'reactivated' });
      assert.deepEqual(notices(host), [...sentBefore, 'reactivated']);
      assert.deepEqual(host.inputsOf('terminationBeginDeletion'), []);
    });
  }

  test('a reactivation stored while its event was lost ends the grace window at the next daily re-read, before any reminder', async () => {
    const w = world();
    const host = await terminationHost(w);
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance('P3DT2H');
    w.reactivated = true; // stored; the signal never arrives
    await host.advance('P1D');
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'reactivated' });
    assert.deepEqual(notices(host), ['grace-started', 'reactivated']);
    assert.equal(
      host.calls
        .find((c) => c.activity === 'terminationSendNotice' && (c.input as { notice: { kind: string } }).notice.kind === 'reactivated')
        ?.at.toISOString(),
      at(START, 4 * DAY).toISOString(),
      'found at the re-read a day after the last one',
    );
  });

  test('a reactivation that wins the race at the very end of the grace window stops the deletion', async () => {
    const w = world();
    const host = await terminationHost(w);
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance(at(START, 30 * DAY - 1000));
    w.reactivated = true; // recorded in the store in the last second; the event is lost
    await host.advance('PT1S');
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'reactivated' });
    assert.equal(host.inputsOf('terminationBeginDeletion').length, 1);
    assert.deepEqual(host.inputsOf('terminationDeleteBatch'), []);
  });
});

describe('termination: deletion to the final certificate', () => {
  test('after the grace window: data deleted in batches, key destroyed, interim certificate, then the final one once the key is purged and the backups expired', async () => {
    const w = world({ keyGoneAfterChecks: 2 });
    const host = await terminationHost(w);
    await host.start('tenantTermination', REF, INSTANCE);
    await host.advance(at(START, 30 * DAY));
    assert.equal(phaseOf(host, INSTANCE), 'awaiting-key-purge');
    assert.equal(w.documents, 0);
    assert.deepEqual(notices(host), ['grace-started', 'grace-reminder-7d', 'grace-reminder-1d', 'certificate-interim']);
    await host.advance(at(START, 40 * DAY));
    assert.equal(host.inputsOf('terminationConfirmKeyGone').length, 1, 'checked when the key should be unrecoverable');
    assert.equal(host.status(INSTANCE).runtimeStatus, 'Running', 'the key is not purged yet: look again tomorrow');
    await host.advance('P1D');
    assert.equal(host.inputsOf('terminationConfirmKeyGone').length, 2);
    assert.equal(phaseOf(host, INSTANCE), 'awaiting-backup-expiry');
    await host.advance(at(START, 70 * DAY));
    assert.deepEqual(host.status(INSTANCE).output, { outcome: 'deleted', items: 2500 });
    assert.deepEqual(notices(host).slice(-2), ['certificate-interim', 'certificate-final']);
    assert.deepEqual(
      host.inputsOf('terminationIssueCertificate').map((i) => (i as { kind: string }).kind),
      ['interim', 'final'],
    );
  });

  test('return-then-delete returns the data and says so before the grace reminders', async () => {
    const host = await terminationHost(world({ disposition: 'return-then-delete' }));
    await host.start('tenantTermination', REF, INSTANCE);
    assert.equal(host.inputsOf('terminationReturnData').length, 1);
    assert.deepEqual(notices(host), ['grace-started', 'data-returned']);
  });

  test('the deletion loop continues as new after 20 batches and carries the running totals', async () => {
    const w = world({ documents: 25 * 1000 + 10 });
    const host = await terminationHost(w);
    const child = await host.start('tenantDataDeletion', { ...REF, seq: 0, totals: { items: 0, byType: {}, batches: 0 } }, `${INSTANCE}:data`);
    assert.deepEqual(host.status(child).output, { seq: 26, totals: { items: 25_010, byType: { record: 25_010 }, batches: 26 } });
    assert.equal(host.status(child).input && (host.status(child).input as { seq: number }).seq, 20, 'the second generation started at batch 20');
  });
});
