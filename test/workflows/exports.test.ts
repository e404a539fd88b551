// Branch tests of the export job, in process: the real tenantExport orchestrator on the local
// host's engine with its activities as doubles. Both outcomes of the export run: ready (recorded,
// then the privacy contacts told) and failed after every retry (recorded on the job, nobody told).
import { workflowHost, alwaysFails, IDS } from '../support/workflow-host.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const REF = { tenantId: IDS.euTenant, exportId: IDS.exportJob };
const FILE = { container: 'exports', blobName: `${IDS.euTenant}/${IDS.exportJob}.csv`, rows: 120, bytes: 4096, sha256: 'ab'.repeat(32) };

describe('export job', () => {
  test('an export that runs is recorded as ready and the privacy contacts are told, without the link', async () => {
    const host = await workflowHost({ exportRun: () => FILE, exportRecordOutcome: () => null, exportNotify: () => 1 });
    const id = await host.start('tenantExport', REF, `export-${IDS.exportJob}`);
    assert.deepEqual(host.status(id).output, { status: 'ready', rows: 120 });
    assert.deepEqual(host.inputsOf('exportRecordOutcome'), [{ ...REF, file: FILE }]);
    assert.deepEqual(host.inputsOf('exportNotify'), [{ ...REF, instanceId: `export-${IDS.exportJob}` }]);
  });

  test('an export that fails every retry is recorded as failed on the job, and nobody is told', async () => {
    const host = await workflowHost({ exportRun: alwaysFails('the storage account is unavailable'), exportRecordOutcome: () => null, exportNotify: () => 1 });
    const id = await host.start('tenantExport', REF, `export-${IDS.exportJob}`);
    await host.advance('PT2H');
    assert.equal(host.inputsOf('exportRun').length, 6, 'every attempt of the retry policy');
    assert.deepEqual(host.status(id).output, { status: 'failed' });
    const recorded = host.inputsOf('exportRecordOutcome') as { failure: string }[];
    assert.equal(recorded.length, 1);
    assert.match(recorded[0]!.failure, /the storage account is unavailable/);
    assert.deepEqual(host.inputsOf('exportNotify'), []);
  });
});
