// Branch tests of an evidence pack job, in process: the real evidencePack orchestrator with its
// activities as doubles. A pack that builds is recorded ready; one whose build keeps failing is
// recorded failed (which releases the tenant's pack lock), not left building in a failed instance.
import { workflowHost, alwaysFails, IDS, phaseOf } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const REF = { tenantId: IDS.euTenant, packId: '00112233aabbccdd' };
const INSTANCE = `evidence-pack-${IDS.euTenant}-${REF.packId}`;

describe('evidence pack job', () => {
  test('a built pack is recorded ready; only counts cross into the history', async () => {
    const host = await workflowHost({ evidencePackBuild: () => ({ files: 8, bytes: 20480 }), evidencePackRecordOutcome: () => null });
    await host.start('evidencePack', REF, INSTANCE);
    assert.deepEqual(host.status(INSTANCE).output, { status: 'ready', files: 8 });
    assert.deepEqual(host.inputsOf('evidencePackRecordOutcome'), [{ ...REF, built: true }]);
    assert.equal(phaseOf(host, INSTANCE), 'ready');
  });

  test('a build that keeps failing is recorded as failed after every retry, so the tenant may ask again', async () => {
    const host = await workflowHost({ evidencePackBuild: alwaysFails('Key Vault unavailable'), evidencePackRecordOutcome: () => null });
    await host.start('evidencePack', REF, INSTANCE);
    await host.advance('PT1H');
    assert.equal(host.inputsOf('evidencePackBuild').length, 6, 'every attempt of the retry policy');
    const [outcome] = host.inputsOf('evidencePackRecordOutcome') as { failure?: string }[];
    assert.match(outcome?.failure ?? '', /Key Vault unavailable/);
    assert.deepEqual(host.status(INSTANCE).output, { status: 'failed' });
    assert.equal(phaseOf(host, INSTANCE), 'failed');
  });
});
