// The data stores as the privacy notice states them (single-region Cosmos DB with continuous
// backup, storage that never leaves the region, exports deleted on schedule, Key Vault with purge
// protection and 7-day retention) and the one identity with exactly the roles the app needs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Declaration } from '../bicep-model.js';
import { PARTITION_KEYS } from '../../../shared/store/cosmos-stores.js';
import { assertAlwaysDeployed, grants, namesOf, perRegionModule, scopeType, type Check, type Infra } from '../infra.js';

export const ROLE = {
  cosmosDataContributor: '00000000-0000-0000-0000-000000000002',
  keyVaultCryptoOfficer: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

const IN_REGION_SKUS = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS'];

function lifecycleDeleteRule(infra: Infra): { prefixes: string[]; days: number } {
  const file = infra.file('modules/data-region.bicep');
  const policies = file.resources('Microsoft.Storage/storageAccounts/managementPolicies');
  assert.equal(policies.length, 1, 'the region storage has one lifecycle management policy');
  assertAlwaysDeployed(infra, policies[0]!);
  const rules = policies[0]!.body.at('properties.policy.rules')?.elements() ?? [];
  // The rule for exports and packages (the erasure ledger has a rule of its own, checked with the retention schedule).
  const deleting = rules.filter(
    (r) =>
      r.get('enabled')?.text === 'true' &&
      r.at('definition.actions.baseBlob.delete') &&
      !(r.at('definition.filters.prefixMatch')?.elements() ?? []).some((e) => (e.string ?? '').startsWith('erasure-ledger/')),
  );
  assert.equal(deleting.length, 1, 'one enabled rule deletes exports and packages');
  const del = deleting[0]!.at('definition.actions.baseBlob.delete')!;
  const days = Number(del.get('daysAfterCreationGreaterThan')?.text ?? del.get('daysAfterModificationGreaterThan')?.text);
  const prefixes = (deleting[0]!.at('definition.filters.prefixMatch')?.elements() ?? []).map((e) => e.string ?? '');
  return { prefixes, days };
}

/** Which methods of the Key Vault SDK the app calls, and the data action each needs. */
const KEY_OPERATION_ACTIONS: Record<string, string> = {
  getKey: 'Microsoft.KeyVault/vaults/keys/read',
  getDeletedKey: 'Microsoft.KeyVault/vaults/keys/read',
  listPropertiesOfKeys: 'Microsoft.KeyVault/vaults/keys/read',
  listPropertiesOfKeyVersions: 'Microsoft.KeyVault/vaults/keys/read',
  listDeletedKeys: 'Microsoft.KeyVault/vaults/keys/read',
  createKey: 'Microsoft.KeyVault/vaults/keys/create/action',
  createRsaKey: 'Microsoft.KeyVault/vaults/keys/create/action',
  createEcKey: 'Microsoft.KeyVault/vaults/keys/create/action',
  createOctKey: 'Microsoft.KeyVault/vaults/keys/create/action',
  updateKeyProperties: 'Microsoft.KeyVault/vaults/keys/update/action',
  beginDeleteKey: 'Microsoft.KeyVault/vaults/keys/delete',
  wrapKey: 'Microsoft.KeyVault/vaults/keys/wrap/action',
  unwrapKey: 'Microsoft.KeyVault/vaults/keys/unwrap/action',
  sign: 'Microsoft.KeyVault/vaults/keys/sign/action',
  verify: 'Microsoft.KeyVault/vaults/keys/verify/action',
  encrypt: 'Microsoft.KeyVault/vaults/keys/encrypt/action',
  decrypt: 'Microsoft.KeyVault/vaults/keys/decrypt/action',
  rotateKey: 'Microsoft.KeyVault/vaults/keys/rotate/action',
  // Called, and refused on purpose: see FORBIDDEN_KEY_ACTIONS.
  purgeDeletedKey: 'Microsoft.KeyVault/vaults/keys/purge/action',
  backupKey: 'Microsoft.KeyVault/vaults/keys/backup/action',
  restoreKeyBackup: 'Microsoft.KeyVault/vaults/keys/restore/action',
  beginRecoverDeletedKey: 'Microsoft.KeyVault/vaults/keys/recover/action',
  importKey: 'Microsoft.KeyVault/vaults/keys/import/action',
  releaseKey: 'Microsoft.KeyVault/vaults/keys/release/action',
};

/** Key operations that would undo crypto-shredding: a copy outside the vault, or a deleted key brought back. */
const FORBIDDEN_KEY_ACTIONS = ['backup', 'restore', 'purge', 'recover', 'import', 'release'];

/** The Key Vault data actions the app's code needs, read from the SDK calls in shared/crypto/key-vault.ts. */
export function keyActionsTheAppUses(): { used: Set<string>; refusedOnPurpose: Set<string> } {
  const source = readFileSync('shared/crypto/key-vault.ts', 'utf8');
  const used = new Set<string>();
  const refusedOnPurpose = new Set<string>();
  for (const m of source.matchAll(/\.(\w+)\(/g)) {
    const action = KEY_OPERATION_ACTIONS[m[1]!];
    if (!action) continue;
    if (FORBIDDEN_KEY_ACTIONS.some((f) => action.includes(`/${f}`))) refusedOnPurpose.add(action);
    else used.add(action);
  }
  return { used, refusedOnPurpose };
}

/**
 * The custom role a per-region role assignment grants: its roleDefinitionId is a param of the region
 * module, which main.bicep fills from the output of one module instance (not one per region: a role
 * definition is a single tenant-wide object) that defines it. Asserted along the way, then returned.
 */
function customRoleBehind(infra: Infra, assignment: Declaration, regionModule: string, what: string): Declaration {
  const param = assignment.body.at('properties.roleDefinitionId')?.text ?? '';
  assert.ok(assignment.file.param(param), `${what}: the role assignment's roleDefinitionId is a param of ${infra.name(assignment.file)} (found ${param})`);
  const passed = /^(\w+)\.outputs\.(\w+)$/.exec(perRegionModule(infra, regionModule).body.at(`params.${param}`)?.text ?? '');
  assert.ok(passed, `${what}: main.bicep passes ${param} from a module output`);
  const roleModule = infra.main.modules().find((m) => m.symbol === passed[1]);
  assert.ok(roleModule && !roleModule.loop, `${what} is defined by one module instance, not one per region`);
  const roleFile = infra.moduleFile(roleModule);
  const output = /^(\w+)\.id$/.exec(roleFile.output(passed[2]!)?.value.text ?? '');
  assert.ok(output, `${infra.name(roleFile)} outputs ${passed[2]} as a role definition's id`);
  const role = roleFile.resources('Microsoft.Authorization/roleDefinitions').find((d) => d.symbol === output[1]);
  assert.ok(role, `${what} is defined in the template`);
  assertAlwaysDeployed(infra, role);
  return role;
}

export const storesAndIdentityChecks: Check[] = [
  {
    name: 'each Cosmos DB account refuses keys, speaks TLS 1.2 only, has exactly one location and continuous backup',
    run(infra) {
      const accounts = infra.everywhere('Microsoft.DocumentDB/databaseAccounts');
      assert.ok(accounts.length > 0, 'a Cosmos DB account is declared');
      for (const d of accounts) {
        assertAlwaysDeployed(infra, d);
        const p = d.body.get('properties');
        assert.equal(p?.get('disableLocalAuth')?.text, 'true', `${infra.at(d)}: disableLocalAuth must be true`);
        assert.equal(p?.get('disableKeyBasedMetadataWriteAccess')?.text, 'true', `${infra.at(d)}: disableKeyBasedMetadataWriteAccess must be true`);
        assert.equal(p?.get('minimalTlsVersion')?.string, 'Tls12', `${infra.at(d)}: minimalTlsVersion must be 'Tls12'`);
        assert.equal(
          p?.at('backupPolicy.type')?.string,
          'Continuous',
          `${infra.at(d)}: backupPolicy must be Continuous (periodic backup defaults to geo-redundant storage)`,
        );
        assert.match(p?.at('backupPolicy.continuousModeProperties.tier')?.string ?? '', /^Continuous(7|30)Days$/, `${infra.at(d)}: continuous backup tier`);
        assert.equal(p?.get('backupPolicy')?.get('backupStorageRedundancy'), undefined, `${infra.at(d)}: no backup storage redundancy override`);
        const locations = p?.get('locations');
        assert.equal(locations?.kind, 'array', `${infra.at(d)}: locations is a list`);
        assert.equal(locations.elements().length, 1, `${infra.at(d)}: exactly one location (no replica or failover region)`);
        assert.equal(locations.elements()[0]!.get('locationName')?.text, 'location', `${infra.at(d)}: the one location is the region's`);
        assert.notEqual(p?.get('enableMultipleWriteLocations')?.text, 'true', `${infra.at(d)}: no multi-region writes`);
        assert.notEqual(p?.get('enableAutomaticFailover')?.text, 'true', `${infra.at(d)}: no automatic failover to another region`);
      }
    },
  },
  {
    name: 'BACKUP_RETENTION_DAYS states the Cosmos DB continuous backup window',
    run(infra) {
      const days = new Set(
        infra
          .everywhere('Microsoft.DocumentDB/databaseAccounts')
          .map((d) => /^Continuous(\d+)Days$/.exec(d.body.at('properties.backupPolicy.continuousModeProperties.tier')?.string ?? '')?.[1]),
      );
      assert.equal(days.size, 1, 'every account has the same backup window');
      assert.equal(infra.appSettings().get('BACKUP_RETENTION_DAYS')?.string, [...days][0], 'BACKUP_RETENTION_DAYS matches the continuous backup tier');
    },
  },
  {
    name: 'tenant-data lets each item set its own ttl; certificates never expire; both partition by tenant as the app keys them; control only in UK South',
    run(infra) {
      const all = infra.everywhere('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
      const containers = new Map(all.map((d) => [d.body.get('name')?.string, d]));
      const tenantData = containers.get('tenant-data');
      const certificates = containers.get('certificates');
      const control = containers.get('control');
      assert.ok(tenantData && certificates && control, 'containers tenant-data, certificates and control are declared');
      for (const [name, d] of [['tenant-data', tenantData], ['certificates', certificates]] as const) {
        assertAlwaysDeployed(infra, d);
        // The app reads and writes with these keys (a point read with another key fails), so the template must match them.
        const key = PARTITION_KEYS[name];
        const paths = d.body.at('properties.resource.partitionKey.paths')?.elements().map((e) => e.string);
        assert.deepEqual(paths, key.paths, `${infra.at(d)}: partition key ${key.paths.join(', ')}`);
        assert.equal(paths?.[0], '/tenantId', `${infra.at(d)}: partitioned by tenant first`);
        assert.equal(d.body.at('properties.resource.partitionKey.kind')?.string, key.kind ?? 'Hash', `${infra.at(d)}: partition key kind`);
        if (key.kind === 'MultiHash') assert.equal(d.body.at('properties.resource.partitionKey.version')?.text, '2', `${infra.at(d)}: hierarchical keys need version 2`);
      }
      assert.equal(tenantData.body.at('properties.resource.defaultTtl')?.text, '-1', 'tenant-data: TTL on with no default expiry (defaultTtl -1)');
      assert.equal(certificates.body.at('properties.resource.defaultTtl'), undefined, 'certificates: no TTL');
      assert.equal(infra.main.variable('cosmosDatabaseName')?.string, 'privacy-ops', 'the database is privacy-ops');
      assert.equal(infra.appSettings().get('COSMOS_DATABASE')?.text, 'cosmosDatabaseName', 'COSMOS_DATABASE names the database the regions create');
      assert.equal(infra.rel(control.file), 'modules/data-region.bicep', "declared with the region's other containers");
      assert.equal(control.condition?.text, "regionKey == 'uksouth'", 'only in the uksouth region (CONTROL_REGION), where the vendor-level records live');
      assert.deepEqual(control.body.at('properties.resource.partitionKey.paths')?.elements().map((e) => e.string), ['/pk'], 'partition key /pk');
      assert.equal(control.body.at('properties.resource.defaultTtl'), undefined, 'no TTL: register entries are never deleted');
    },
  },
  {
    name: 'every storage account refuses shared keys, public blobs and old TLS, and stays in its region (LRS/ZRS)',
    run(infra) {
      const accounts = infra.everywhere('Microsoft.Storage/storageAccounts');
      assert.ok(accounts.length >= 2, 'the host storage and the regional storage accounts are declared');
      for (const d of accounts) {
        assertAlwaysDeployed(infra, d);
        const p = d.body.get('properties');
        assert.equal(p?.get('allowSharedKeyAccess')?.text, 'false', `${infra.at(d)}: allowSharedKeyAccess must be false`);
        assert.equal(p?.get('allowBlobPublicAccess')?.text, 'false', `${infra.at(d)}: allowBlobPublicAccess must be false`);
        assert.equal(p?.get('allowCrossTenantReplication')?.text, 'false', `${infra.at(d)}: allowCrossTenantReplication must be false`);
        assert.equal(p?.get('supportsHttpsTrafficOnly')?.text, 'true', `${infra.at(d)}: supportsHttpsTrafficOnly must be true`);
        assert.equal(p?.get('minimumTlsVersion')?.string, 'TLS1_2', `${infra.at(d)}: minimumTlsVersion TLS1_2`);
        const sku = d.body.at('sku.name')?.string ?? '';
        assert.ok(
          IN_REGION_SKUS.includes(sku),
          `${infra.at(d)}: SKU ${sku || '(not a literal)'} must be LRS or ZRS; GRS, RAGRS, GZRS and RAGZRS copy data to another region`,
        );
      }
      assert.deepEqual(
        infra.modulesOf('br/public:avm/res/storage/storage-account:').map((m) => infra.at(m)),
        [],
        'storage accounts are plain resources whose properties are checked here',
      );
    },
  },
  {
    name: 'exports and access packages are deleted once older than 7 days, from containers that exist, with nothing kept after',
    run(infra) {
      const file = infra.file('modules/data-region.bicep');
      const { prefixes, days } = lifecycleDeleteRule(infra);
      assert.deepEqual([...prefixes].sort(), ['exports/', 'packages/'], 'the rule covers exports/ and packages/');
      assert.equal(days, 7, 'blobs are deleted once more than 7 days old');
      const declared = file.resources('Microsoft.Storage/storageAccounts/blobServices/containers').flatMap(namesOf);
      // A lifecycle prefix starts with the container name: a prefix without its container matches nothing.
      for (const prefix of prefixes)
        assert.ok(
          declared.includes(prefix.split('/')[0]!),
          `container ${prefix.split('/')[0]} is declared, so the prefix ${prefix} matches its blobs`,
        );
      const blobService = file.resources('Microsoft.Storage/storageAccounts/blobServices')[0];
      assert.equal(blobService?.body.at('properties.deleteRetentionPolicy.enabled')?.text, 'false', 'blob soft delete would keep deleted exports');
      assert.equal(blobService?.body.at('properties.isVersioningEnabled')?.text, 'false', 'blob versions would keep exports');
      const hours = Number(infra.appSettings().get('DOWNLOAD_LINK_TTL_HOURS')?.string);
      assert.ok(
        Number.isInteger(hours) && hours > 0 && hours <= days * 24,
        `DOWNLOAD_LINK_TTL_HOURS (${hours}) is a whole number of hours within the ${days}-day lifecycle`,
      );
    },
  },
  {
    name: 'every Key Vault uses RBAC, purge protection and 7-day soft delete, as KEY_SOFT_DELETE_RETENTION_DAYS states',
    run(infra) {
      const vaults = infra.everywhere('Microsoft.KeyVault/vaults');
      assert.ok(vaults.length > 0, 'a Key Vault is declared');
      for (const d of vaults) {
        assertAlwaysDeployed(infra, d);
        const p = d.body.get('properties');
        assert.equal(p?.get('enableRbacAuthorization')?.text, 'true', `${infra.at(d)}: enableRbacAuthorization must be true`);
        assert.equal(p?.get('enablePurgeProtection')?.text, 'true', `${infra.at(d)}: enablePurgeProtection must be true`);
        assert.equal(p?.get('softDeleteRetentionInDays')?.text, '7', `${infra.at(d)}: softDeleteRetentionInDays must be 7`);
        assert.equal(p?.get('enableSoftDelete')?.text, 'true', `${infra.at(d)}: soft delete stays on`);
        assert.equal(p?.get('accessPolicies'), undefined, `${infra.at(d)}: no access policies (RBAC only)`);
        for (const flag of ['enabledForDeployment', 'enabledForTemplateDeployment', 'enabledForDiskEncryption'])
          assert.notEqual(p?.get(flag)?.text, 'true', `${infra.at(d)}: ${flag} stays off`);
      }
      assert.equal(
        infra.appSettings().get('KEY_SOFT_DELETE_RETENTION_DAYS')?.string,
        '7',
        'KEY_SOFT_DELETE_RETENTION_DAYS matches the vaults (the deletion certificate quotes it)',
      );
    },
  },
  {
    name: 'the app uses its keys through a custom role holding exactly the key operations its code performs: no backup, restore, purge or recovery',
    run(infra) {
      const { used, refusedOnPurpose } = keyActionsTheAppUses();
      assert.ok(
        used.has('Microsoft.KeyVault/vaults/keys/unwrap/action') && used.has('Microsoft.KeyVault/vaults/keys/sign/action'),
        'the key operations of shared/crypto/key-vault.ts are found',
      );
      const builtInKeyRoles = [ROLE.keyVaultCryptoOfficer, ROLE.keyVaultAdministrator, ROLE.keyVaultCryptoUser];
      for (const g of grants(infra))
        assert.ok(
          !builtInKeyRoles.includes(g.role as never),
          `${g.where} grants a built-in Key Vault role (${g.role}); they include key backup and restore`,
        );

      const vaultAssignments = infra.everywhere('Microsoft.Authorization/roleAssignments').filter((d) => scopeType(d) === 'Microsoft.KeyVault/vaults');
      assert.equal(vaultAssignments.length, 1, 'one role is assigned on each vault (in the region module)');
      const assignment = vaultAssignments[0]!;
      assertAlwaysDeployed(infra, assignment);
      assert.equal(assignment.body.at('properties.principalId')?.text, 'appPrincipalId', 'the key role is granted to the app identity');
      const role = customRoleBehind(infra, assignment, 'modules/data-region.bicep', 'the key role');

      const permissions = role.body.at('properties.permissions')?.elements() ?? [];
      const list = (key: string) => permissions.flatMap((p) => p.get(key)?.elements().map((e) => e.string ?? e.text) ?? []);
      assert.deepEqual(list('actions'), [], 'no control-plane actions');
      const dataActions = list('dataActions');
      for (const action of dataActions) {
        assert.doesNotMatch(action, /\*/, `the key role must not use wildcards (${action})`);
        for (const f of FORBIDDEN_KEY_ACTIONS) assert.ok(!action.includes(`/${f}`), `the key role must not grant ${action}`);
      }
      assert.deepEqual(
        [...dataActions].sort(),
        [...used].sort(),
        'the key role grants exactly the key operations the app performs (shared/crypto/key-vault.ts)',
      );
      assert.deepEqual(
        [...refusedOnPurpose].filter((a) => !a.includes('/purge')),
        [],
        'the only refused operation the app calls is the purge it expects to be refused',
      );
    },
  },
  {
    name: 'the app has one user-assigned identity and no system-assigned one; AZURE_CLIENT_ID is its client id',
    run(infra) {
      const identities = [
        ...infra.everywhere('Microsoft.ManagedIdentity/userAssignedIdentities'),
        ...infra.modulesOf('br/public:avm/res/managed-identity/user-assigned-identity:'),
      ];
      assert.equal(identities.length, 1, `exactly one user-assigned identity, found ${identities.map((d) => infra.at(d)).join(', ') || 'none'}`);
      for (const file of infra.files)
        for (const object of file.objects()) {
          const entries = new Map(object.properties().map((p) => [p.key, p.value]));
          assert.notEqual(entries.get('systemAssigned')?.text, 'true', `${infra.name(file)}:${object.line} enables a system-assigned identity`);
          assert.doesNotMatch(entries.get('type')?.string ?? '', /^SystemAssigned/, `${infra.name(file)}:${object.line} enables a system-assigned identity`);
        }
      assert.equal(
        infra.appSettings().get('AZURE_CLIENT_ID')?.text,
        `${identities[0]!.symbol}.outputs.clientId`,
        "AZURE_CLIENT_ID is the identity's client id",
      );
    },
  },
  {
    name: 'the identity holds every role the app needs, each granted to the app identity',
    run(infra) {
      const all = grants(infra);
      const has = (role: string, scope: string, fileName?: string) =>
        all.some((g) => g.role === role && g.scopeType?.toLowerCase().includes(scope.toLowerCase()) && (!fileName || g.where.includes(fileName)));
      const required: [string, string, string, string?][] = [
        ['Cosmos DB Built-in Data Contributor (sqlRoleAssignments)', ROLE.cosmosDataContributor, 'Microsoft.DocumentDB/databaseAccounts'],
        [
          'Storage Blob Data Contributor on the regional storage',
          ROLE.storageBlobDataContributor,
          'Microsoft.Storage/storageAccounts',
          'data-region.bicep',
        ],
        [
          'Storage Blob Delegator on the regional storage (user-delegation SAS)',
          ROLE.storageBlobDelegator,
          'Microsoft.Storage/storageAccounts',
          'data-region.bicep',
        ],
        ['Storage Blob Data Owner on the host storage', ROLE.storageBlobDataOwner, 'Microsoft.Storage/storageAccounts', 'host-storage.bicep'],
        [
          'Storage Queue Data Contributor on the host storage (Durable)',
          ROLE.storageQueueDataContributor,
          'Microsoft.Storage/storageAccounts',
          'host-storage.bicep',
        ],
        [
          'Storage Table Data Contributor on the host storage (Durable)',
          ROLE.storageTableDataContributor,
          'Microsoft.Storage/storageAccounts',
          'host-storage.bicep',
        ],
        ['Monitoring Metrics Publisher on Application Insights', ROLE.monitoringMetricsPublisher, 'avm/res/insights/component'],
      ];
      for (const [name, role, scope, fileName] of required) assert.ok(has(role, scope, fileName), `missing role assignment: ${name}`);
      for (const g of all)
        assert.match(g.principal, /^(appPrincipalId|\w+\.outputs\.principalId)$/, `${g.where} grants a role to ${g.principal}, not the app identity`);
      for (const m of infra.main.modules().filter((m) => m.body.at('params.appPrincipalId')))
        assert.equal(m.body.at('params.appPrincipalId')!.text, 'identity.outputs.principalId', `${infra.at(m)}: appPrincipalId is the app identity`);
    },
  },
  {
    name: 'the app sends email as its identity, in every region, with a role that cannot read the access keys',
    run(infra) {
      const file = infra.file('modules/email.bicep');
      const assignments = file
        .resources('Microsoft.Authorization/roleAssignments')
        .filter((d) => scopeType(d) === 'Microsoft.Communication/communicationServices');
      assert.equal(assignments.length, 1, 'a role is assigned on the Communication Services resource of the email module');
      const assignment = assignments[0]!;
      assertAlwaysDeployed(infra, assignment);
      assert.equal(assignment.body.at('properties.principalId')?.text, 'appPrincipalId', 'the email sender role is granted to the app identity');
      const module = perRegionModule(infra, 'modules/email.bicep');
      assert.equal(module.body.at('params.appPrincipalId')?.text, 'identity.outputs.principalId', "every region's email module gets the app identity");
      const role = customRoleBehind(infra, assignment, 'modules/email.bicep', 'the email sender role');
      const actions = role.body.at('properties.permissions')?.elements().flatMap((p) => p.get('actions')?.elements().map((a) => a.string ?? '') ?? []) ?? [];
      assert.ok(actions.length > 0, 'the email sender role has actions');
      for (const action of actions) assert.doesNotMatch(action, /ListKeys|RegenerateKey|\*/i, `the email sender role must not grant ${action}`);
      const definitions = infra.everywhere('Microsoft.Authorization/roleDefinitions').map((d) => infra.rel(d.file)).sort();
      assert.deepEqual(
        definitions,
        ['modules/email-sender-role.bicep', 'modules/key-user-role.bicep'],
        'two custom roles, each defined once: email sender and key user',
      );
    },
  },
  {
    name: 'the function app runs on Flex Consumption (FC1, Linux) with Node 22 and deploys with the identity',
    run(infra) {
      const plans = infra.modulesOf('br/public:avm/res/web/serverfarm:');
      assert.equal(plans.length, 1, 'one App Service plan');
      assert.equal(plans[0]!.body.at('params.sku.name')?.string, 'FC1', 'plan SKU FC1');
      assert.equal(plans[0]!.body.at('params.sku.tier')?.string, 'FlexConsumption', 'plan tier FlexConsumption');
      assert.equal(plans[0]!.body.at('params.reserved')?.text, 'true', 'Linux plan (reserved: true)');
      const sites = infra.modulesOf('br/public:avm/res/web/site:');
      assert.equal(sites.length + infra.everywhere('Microsoft.Web/sites').length, 1, 'one function app');
      const site = sites[0]!;
      assertAlwaysDeployed(infra, site);
      const params = site.body.get('params');
      assert.equal(params?.get('kind')?.string, 'functionapp,linux', `${infra.at(site)}: kind functionapp,linux`);
      assert.equal(params?.at('functionAppConfig.runtime.name')?.string, 'node', `${infra.at(site)}: runtime node`);
      assert.equal(params?.at('functionAppConfig.runtime.version')?.string, '22', `${infra.at(site)}: runtime version 22`);
      assert.equal(
        params?.at('functionAppConfig.deployment.storage.authentication.type')?.string,
        'UserAssignedIdentity',
        `${infra.at(site)}: the deployment package is read with the identity`,
      );
      assert.match(
        params?.get('tags')?.text ?? '',
        /'azd-service-name'\s*:\s*'api'/,
        `${infra.at(site)}: tagged azd-service-name: api so azd deploys the api service to it`,
      );
    },
  },
];
