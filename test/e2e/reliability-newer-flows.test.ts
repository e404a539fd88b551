// The reconciler repairs the newer flows too, through the open-flow index: a sub-processor change
// workflow and a support-access grant workflow terminated by hand run again within one interval (the
// `restarted` repair); an evidence pack whose start failed while the task hub refused work is started
// within one interval after it recovers (the `started` repair); each flow is listed in the ops view.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

interface FlowView {
  kind: string;
  instanceId: string;
  instanceStatus: string;
  repairs: number;
}

const DAY = 24 * 3600_000;

describe('reliability: the reconciler repairs sub-processor changes, support grants and evidence packs', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-'));
    writeFileSync(join(stateDir, 'clock.json'), JSON.stringify({ now: '2031-03-26T08:00:00.000Z' }));
    system = await LocalSystem.start({ withPlatform: true, settings: { FLOW_RECONCILER_SCHEDULE: '0 */10 * * * *' } }, stateDir);
    tenant = await provisionTenant(system);
  });
  after(async () => {
    await system?.stop();
  });

  async function flowsOf(kind: string): Promise<FlowView[]> {
    const response = await system.get<{ flows: FlowView[] }>('/api/ops/workflows', await opsToken(system));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.flows.filter((f) => f.kind === kind);
  }

  async function terminate(instanceId: string): Promise<void> {
    const response = await system.post(`/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}/terminate?reason=drill`);
    assert.equal(response.status, 202);
    await system.settle();
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Terminated');
  }

  test('terminated sub-processor change and support-grant workflows run again within one interval', async () => {
    const now = await system.now();
    const change = await system.post<{ changeId: string }>('/api/sub-processors/changes', {
      kind: 'add',
      subProcessor: {
        name: 'Mailgun Technologies',
        service: 'Email delivery (EU)',
        purpose: 'Delivers transactional email for EU tenants',
        dataCategories: ['contact names'],
        locations: ['Germany'],
        transferMechanism: 'none: EU data centre',
      },
      effectiveAt: new Date(now.getTime() + 35 * DAY).toISOString(),
      reason: 'A second email provider',
    }, await opsToken(system));
    assert.equal(change.status, 202, JSON.stringify(change.body));
    const engineer = await system.token({ sub: 'support-1', roles: ['support'], ctry: 'GB' }, { lifetimeSeconds: 400 * 24 * 3600 });
    const request = { reason: 'Login loop', ticket: 'SUP-1', scope: ['users:read'], duration: 'PT2H', origin: 'GB' };
    const grant = await system.post<{ grantId: string }>(`/api/tenants/${tenant.tenantId}/support-access`, request, engineer);
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    await system.settle();

    const [changeFlow] = await flowsOf('sub-processor-change');
    const [grantFlow] = await flowsOf('support-grant');
    assert.ok(changeFlow && grantFlow, 'both flows are in the open-flow index');
    await terminate(changeFlow.instanceId);
    await terminate(grantFlow.instanceId);

    await system.advance('PT10M');
    assert.equal((await system.instance(changeFlow.instanceId)).runtimeStatus, 'Running', 'the change workflow runs again');
    assert.equal((await system.instance(grantFlow.instanceId)).runtimeStatus, 'Running', 'the grant workflow runs again');
    assert.equal((await flowsOf('sub-processor-change'))[0]?.repairs, 1);
    assert.equal((await flowsOf('support-grant'))[0]?.repairs, 1);
    // The restarted grant workflow still does its job: the request lapses after 24 hours and the flow leaves the index.
    await system.advance('PT26H');
    assert.equal((await system.instance(grantFlow.instanceId)).runtimeStatus, 'Completed');
    assert.deepEqual(await flowsOf('support-grant'), [], 'a completed grant leaves the index');
  });

  test('an evidence pack whose start failed while the task hub refused work is started within one interval after', async () => {
    const refusing = await system.post<{ until: string }>('/runtime/dev/faults', { service: 'taskhub', mode: 'unavailable', duration: 'PT5M' });
    assert.equal(refusing.status, 201, JSON.stringify(refusing.body));
    const pack = await system.post<{ evidencePackId: string }>(`/api/tenants/${tenant.tenantId}/evidence-packs`, undefined, tenant.adminToken);
    assert.equal(pack.status, 202, 'the request is stored: the API says so');
    await system.settle();
    const [flow] = await flowsOf('evidence-pack');
    assert.ok(flow, 'the job is in the open-flow index');

    await system.advanceTo(new Date(refusing.body.until));
    await system.advance('PT10M');
    const status = (await system.instance(flow.instanceId)).runtimeStatus;
    assert.ok(status === 'Running' || status === 'Completed', `the reconciler started the job (${status})`);
    await system.settle();
    const view = await system.get<{ status: string }>(`/api/tenants/${tenant.tenantId}/evidence-packs/${pack.body.evidencePackId}`, tenant.adminToken);
    assert.equal(view.body.status, 'ready', JSON.stringify(view.body));
  });
});
