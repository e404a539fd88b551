// Branch tests of the export job, in process: the real tenantExport orchestrator on the local
// host's engine with its activities as doubles. Both outcomes of the export run: ready (recorded,
// then the privacy contacts told), failed when retrying cannot help (recorded on the job, nobody told),
// and an outage outlasted by retrying (one alert to ops, then ready).
import { activityError, workflowHost, alwaysRefuses, IDS } from '../support/workflow-host.js';
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

  test('an export that cannot succeed is recorded as failed on the job, and nobody is told', async () => {
    const host = await workflowHost({
      exportRun: alwaysRefuses('the export asks for a module that does not exist'),
      exportRecordOutcome: () => null,
      exportNotify: () => 1,
    });
    const id = await host.start('tenantExport', REF, `export-${IDS.exportJob}`);
    await host.advance('PT2H');
    assert.equal(host.inputsOf('exportRun').length, 1, 'retrying cannot help: no second try');
    assert.deepEqual(host.status(id).output, { status: 'failed' });
    const recorded = host.inputsOf('exportRecordOutcome') as { failure: string }[];
    assert.equal(recorded.length, 1);
    assert.match(recorded[0]!.failure, /does not exist/);
    assert.deepEqual(host.inputsOf('exportNotify'), []);
  });

  test('an export whose storage is down for two hours keeps trying, alerts ops once, and finishes after recovery', async () => {
    let down = true;
    const host = await workflowHost({
      exportRun: () => {
        if (down) throw activityError('the storage account is unavailable', { code: 'BLOB.UNAVAILABLE' });
        return { ...FILE, rows: 3 };
      },
      exportRecordOutcome: () => null,
      exportNotify: () => 1,
      opsAlertFailingStep: () => 'emailed',
    });
    const id = await host.start('tenantExport', REF, `export-${IDS.exportJob}`);
    await host.advance('PT2H');
    assert.equal(host.status(id).runtimeStatus, 'Running', 'still trying');
    const tries = host.calls.filter((c) => c.activity === 'exportRun').map((c) => c.at.getTime());
    assert.ok(tries.length > 20, `kept trying (${tries.length} tries)`);
    assert.ok(tries.slice(1).every((t, i) => t - tries[i]! <= 5 * 60_000), 'never more than 5 minutes apart');
    const alerts = host.inputsOf('opsAlertFailingStep') as { flow: string; step: string; code: string; failingSince: string }[];
    assert.equal(alerts.length, 1, 'one alert for the incident, not one per try');
    assert.deepEqual([alerts[0]!.flow, alerts[0]!.step, alerts[0]!.code], ['export', 'exportRun', 'BLOB.UNAVAILABLE']);
    const alertAt = host.calls.find((c) => c.activity === 'opsAlertFailingStep')!.at.getTime() - Date.parse(alerts[0]!.failingSince);
    assert.ok(alertAt >= 15 * 60_000 && alertAt < 20 * 60_000, `alerted after 15 minutes of failing (${alertAt / 60_000} min)`);
    down = false;
    await host.advance('PT5M');
    assert.deepEqual(host.status(id).output, { status: 'ready', rows: 3 });
  });
});
