// The breach fan-out to many tenants in bounded histories: the real breachNotification,
// breachNoticeFanOut and tenantBreachNotice orchestrators on the local host's engine, activities as
// doubles. 300 tenants in leaves of 50 (the production shape): every tenant gets each notice once,
// and no history holds more than a leaf's worth of children, however many tenants there are.
import { workflowHost, HOUR, IDS, type InProcessDurableHost } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { updateEvent } from '../../shared/breaches/breach.js';
import { fanOutSlices } from '../../workflows/kit/fan-out.js';
import { BREACH_NOTICE_FAN_OUT } from '../../workflows/breaches/orchestrator.js';
import { tenantIdFor } from '../support/tenant-ids.js';

const START = new Date('2026-03-02T09:00:00Z');
const NOTIFY_BY = new Date(START.getTime() + 72 * HOUR);

interface Delivery {
  tenantId: string;
  seq: number;
  attempt: number;
}

async function manyTenantBreach(tenants: string[], state: { updates: number }): Promise<InProcessDurableHost> {
  return workflowHost(
    {
      breachLoadPlan: () => ({ awareAt: START.toISOString(), openedAt: START.toISOString(), notifyBy: NOTIFY_BY.toISOString(), released: true }),
      breachResolveTenants: () => tenants,
      breachNoticesDue: (input: { after: number }) => ({
        seqs: Array.from({ length: state.updates + 1 }, (_, seq) => seq).filter((seq) => seq > input.after),
        nextUpdate: state.updates + 1,
        added: [],
      }),
      breachDeliverNotice: () => 'sent',
      breachNoticeUnacknowledged: () => 'alerted',
    },
    START,
  );
}

describe('breach fan-out in bounded histories', () => {
  test('the tree splits evenly: leaves of at most leafSize, nodes of at most branching children, every item once', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const leaves: number[][] = [];
    let largestNode = 0;
    const walk = (slice: number[]): void => {
      const parts = fanOutSlices(slice, BREACH_NOTICE_FAN_OUT);
      if (!parts) return void leaves.push(slice);
      largestNode = Math.max(largestNode, parts.length);
      parts.forEach(walk);
    };
    walk(items);
    assert.ok(leaves.every((leaf) => leaf.length <= BREACH_NOTICE_FAN_OUT.leafSize && leaf.length > 0));
    assert.ok(largestNode <= BREACH_NOTICE_FAN_OUT.branching);
    assert.deepEqual(leaves.flat(), items, 'every item exactly once, in order');
    assert.equal(fanOutSlices([1, 2], BREACH_NOTICE_FAN_OUT), undefined, 'a few items are a leaf');
  });

  test('300 tenants: each is sent the initial notice and an update once, and every history stays under a leaf of children', async () => {
    const tenants = Array.from({ length: 300 }, (_, i) => tenantIdFor(i));
    const state = { updates: 0 };
    const host = await manyTenantBreach(tenants, state);
    const id = await host.start('breachNotification', { breachId: IDS.breach }, `breach-${IDS.breach}`);
    state.updates = 1;
    await host.raiseEvent(id, updateEvent(1), null);
    await host.settle();

    const first = host.inputsOf('breachDeliverNotice').map((d) => d as Delivery).filter((d) => d.attempt === 0);
    for (const seq of [0, 1]) {
      const to = first.filter((d) => d.seq === seq).map((d) => d.tenantId);
      assert.equal(to.length, tenants.length, `notice ${seq}: one first send per tenant`);
      assert.deepEqual([...new Set(to)].sort(), [...tenants].sort(), `notice ${seq}: every tenant, once`);
    }
    const sizes = host.historySizes();
    const largest = Math.max(...sizes.values());
    // A leaf: its start, 50 creations and an episode of three events per child that finishes.
    assert.ok(largest < 4 * BREACH_NOTICE_FAN_OUT.leafSize + 20, `largest history ${largest}`);
    assert.ok((sizes.get(id) ?? Infinity) < 60, `the breach's own history holds a child per round, not per tenant (${sizes.get(id)})`);
    const fanOutNodes = host.instances().filter((i) => i.name === 'breachNoticeFanOut');
    assert.equal(fanOutNodes.length, 2 * (1 + Math.ceil(300 / BREACH_NOTICE_FAN_OUT.leafSize)), 'per round: a root and six leaves');

    // The re-sends run on (a day later each notice is sent again, once), still within the bounds.
    await host.advance(new Date(START.getTime() + 25 * HOUR));
    await host.settle();
    const resends = host.inputsOf('breachDeliverNotice').map((d) => d as Delivery).filter((d) => d.attempt === 1);
    assert.equal(resends.length, 2 * tenants.length);
    assert.equal(new Set(resends.map((d) => `${d.tenantId}:${d.seq}`)).size, 2 * tenants.length);
    assert.ok(Math.max(...host.historySizes().values()) < 1_000);
  });
});
