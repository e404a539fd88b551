// The retention settings of the templates are the retention schedule's (shared/retention): backups,
// telemetry, key audit events, deleted keys, exports and packages, the erasure ledger and the
// evidence copies of certificates. A change to either side without the other fails here.
import assert from 'node:assert/strict';
import type { Check, Infra } from '../infra.js';
import { RETENTION_DAYS, RETENTION_SCHEDULE } from '../../../shared/retention/schedule.js';

function lifecycleDays(infra: Infra, prefix: string): number | undefined {
  const file = infra.file('modules/data-region.bicep');
  const rules = file.resources('Microsoft.Storage/storageAccounts/managementPolicies')[0]?.body.at('properties.policy.rules')?.elements() ?? [];
  const rule = rules.find(
    (r) => r.get('enabled')?.text === 'true' && (r.at('definition.filters.prefixMatch')?.elements() ?? []).some((e) => e.string === prefix),
  );
  const days = rule?.at('definition.actions.baseBlob.delete')?.get('daysAfterCreationGreaterThan')?.number;
  return days;
}

function scheduleDays(category: string): number | null | undefined {
  return RETENTION_SCHEDULE.find((e) => e.category === category)?.days;
}

export const retentionChecks: Check[] = [
  {
    name: 'the Bicep backup, log, key and blob retention settings equal the retention schedule',
    run(infra) {
      const region = infra.file('modules/data-region.bicep');
      const tier = region.resources('Microsoft.DocumentDB/databaseAccounts')[0]?.body.at('properties.backupPolicy.continuousModeProperties.tier')?.string;
      assert.equal(tier, `Continuous${RETENTION_DAYS.backups}Days`, `continuous backup keeps ${RETENTION_DAYS.backups} days, as the schedule says`);
      assert.equal(scheduleDays('backups'), RETENTION_DAYS.backups);
      assert.equal(infra.main.variable('telemetryRetentionDays')?.number, RETENTION_DAYS.telemetry, 'telemetry retention is the schedule\'s');
      assert.equal(scheduleDays('telemetry'), RETENTION_DAYS.telemetry);
      assert.equal(infra.main.variable('keyAuditRetentionDays')?.number, RETENTION_DAYS.keyAudit, 'key audit events are kept as the schedule says');
      const vault = region.resources('Microsoft.KeyVault/vaults')[0];
      assert.equal(vault?.body.at('properties.softDeleteRetentionInDays')?.number, RETENTION_DAYS.keySoftDelete, 'a deleted key is kept as the schedule says');
      assert.equal(lifecycleDays(infra, 'exports/'), RETENTION_DAYS.exportsAndPackages, 'exports are deleted as the schedule says');
      assert.equal(lifecycleDays(infra, 'packages/'), RETENTION_DAYS.exportsAndPackages, 'packages are deleted as the schedule says');
      assert.equal(scheduleDays('exports and packages'), RETENTION_DAYS.exportsAndPackages);
      assert.equal(lifecycleDays(infra, 'erasure-ledger/entries/'), RETENTION_DAYS.erasureLedger, 'erasure ledger entries are kept as the schedule says');
      assert.ok(RETENTION_DAYS.erasureLedger > RETENTION_DAYS.backups, 'the ledger outlives every restore point');
      assert.equal(
        region.variable('evidenceRetentionDays')?.number,
        RETENTION_DAYS.certificates,
        'evidence copies of certificates are kept as the schedule says',
      );
      assert.equal(scheduleDays('certificates'), RETENTION_DAYS.certificates);
    },
  },
];
