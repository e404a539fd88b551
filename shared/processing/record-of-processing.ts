// The record of processing a processor keeps for each controller (GDPR / UK GDPR Art 30(2)): the
// processor and its DPO, the controller, the categories of processing, the data categories actually
// held for this tenant (counted from its data), the sub-processors in force, where the data lives,
// transfers, and the security measures. Built from the running system, JSON or CSV.
import type { Services } from '../composition.js';
import { z } from 'zod';
import { REGIONS } from '../config.js';
import { MODULES } from '../records/record.js';
import { openAdminNotificationContacts, openContacts, recipientsOf } from '../tenants/contacts.js';
import type { OpenTenant } from '../tenants/tenant-access.js';
import { SubProcessorStore } from '../sub-processors/store.js';
import { subProcessorListSchema } from '../sub-processors/registry.js';
import { residencyStatement, residencyStatementSchema } from './residency.js';
import { supportAccessSection, supportAccessSectionSchema } from './support-access.js';

// Responses (documented in the OpenAPI document; the view types are derived from them).
const dataCategoryCountSchema = z.object({
  category: z.string(),
  dataSubjects: z.string(),
  count: z.int().min(0).meta({ description: "How many items of it the tenant's data holds now" }),
});
export type DataCategoryCount = z.infer<typeof dataCategoryCountSchema>;

export const recordOfProcessingSchema = z
  .object({
    generatedAt: z.iso.datetime(),
    processor: z.object({
      name: z.string(),
      contact: z.object({ email: z.string() }),
      dpo: z.object({ name: z.string(), email: z.string() }),
      representative: z.string(),
    }),
    controller: z.object({
      tenantId: z.string(),
      name: z.string(),
      region: z.enum(REGIONS),
      status: z.string(),
      contacts: z.array(z.object({ role: z.enum(['privacy', 'security']), name: z.string(), email: z.string() })),
    }),
    categoriesOfProcessing: z.array(z.string()),
    dataCategories: z.array(dataCategoryCountSchema),
    subProcessors: subProcessorListSchema,
    region: z.object({ key: z.enum(REGIONS), azureLocation: z.string(), backupLocation: z.string(), residency: residencyStatementSchema }),
    transfers: z.object({ statement: z.string(), supportAccess: supportAccessSectionSchema }),
    securityMeasures: z.array(z.object({ measure: z.string(), detail: z.string() })),
  })
  .meta({ id: 'RecordOfProcessing', description: 'The record of processing kept for this controller (Art 30(2))' });
export type RecordOfProcessing = z.infer<typeof recordOfProcessingSchema>;

/** What the service does with the controller's data, in the words of DPA §2.2 where they apply. */
export const CATEGORIES_OF_PROCESSING = [
  'storage, hosting and retrieval of user accounts and operational records',
  'organisation and structuring: per-module records (shift logs, approval chains, schedules, capacity, time tracking, organisation structure)',
  'rectification with the original kept beside each correction',
  'erasure of records and users (crypto-shredding of the data subject key)',
  'exports of user records, the audit log and module data',
  'assistance with data-subject requests within their statutory deadlines',
  'security monitoring: a hash-chained, signed audit log of every request',
  'breach notification to the nominated contacts within 72 hours',
  'return and deletion at the end of the service, with a signed deletion certificate',
];

async function countsOf(open: OpenTenant, contacts: number, admins: number): Promise<DataCategoryCount[]> {
  const p = open.partition;
  const staff = "the controller's staff and people referenced in operational records";
  const [users, erasedUsers, audit, dsars, notices, ...modules] = await Promise.all([
    p.count("c.type = 'user' AND c.status != 'erased'"),
    p.count("c.type = 'user' AND c.status = 'erased'"),
    p.count("c.type = 'audit'"),
    p.count("c.type = 'dsar'"),
    p.count("c.type = 'breachNotice'"),
    ...MODULES.map((module) => p.count("c.type = 'record' AND c.module = @module AND c.status != 'erased'", [{ name: '@module', value: module }])),
  ]);
  return [
    { category: 'user identification data (name, email, role, department, avatar)', dataSubjects: "the controller's staff", count: users ?? 0 },
    { category: 'erased users (tombstones: ids and dates only, no personal data)', dataSubjects: "the controller's staff", count: erasedUsers ?? 0 },
    ...MODULES.map((module, i) => ({ category: `operational records: ${module}`, dataSubjects: staff, count: modules[i] ?? 0 })),
    {
      category: 'audit log entries (actor ids, actions, targets, times)',
      dataSubjects: "the controller's administrators and the vendor's staff",
      count: audit ?? 0,
    },
    { category: 'data-subject requests', dataSubjects: staff, count: dsars ?? 0 },
    { category: 'breach notices received', dataSubjects: "the controller's nominated contacts", count: notices ?? 0 },
    { category: 'nominated security and privacy contacts', dataSubjects: "the controller's nominated contacts", count: contacts },
    { category: "administrators' notification addresses", dataSubjects: "the controller's administrators", count: admins },
  ];
}

export async function recordOfProcessing(services: Services, open: OpenTenant, now: Date): Promise<RecordOfProcessing> {
  const { config } = services;
  const region = open.partition.ref.region;
  const cipher = services.keyring.cipherFor(open.partition, now);
  const contacts = await openContacts(cipher, open.tenant);
  const dataCategories = await countsOf(open, recipientsOf(contacts).length, (await openAdminNotificationContacts(cipher, open.tenant)).length);
  const list = await (await SubProcessorStore.open(services)).list(now);
  const inForce = list.versions[list.versions.length - 1]!;
  const residency = residencyStatement(config, open.partition.tenantId, region);
  const supportAccess = await supportAccessSection(services, open.partition.tenantId);
  const { dpo } = config.breach;
  return {
    generatedAt: now.toISOString(),
    processor: {
      name: config.processor.name,
      contact: { email: dpo.email },
      dpo: { name: dpo.name, email: dpo.email },
      representative: 'none designated',
    },
    controller: {
      tenantId: open.partition.tenantId,
      name: open.tenant.name,
      region,
      status: open.tenant.status,
      contacts: [
        ...contacts.privacy.map((c) => ({ role: 'privacy' as const, ...c })),
        ...contacts.security.map((c) => ({ role: 'security' as const, ...c })),
      ],
    },
    categoriesOfProcessing: CATEGORIES_OF_PROCESSING,
    dataCategories,
    subProcessors: { version: inForce.version, effectiveFrom: inForce.effectiveFrom, subProcessors: inForce.subProcessors },
    region: { key: region, azureLocation: residency.azureLocation, backupLocation: residency.backups.location, residency },
    transfers: {
      statement: `No transfer outside ${residency.azureLocation} is made by the service itself: every store of this tenant is in its region. ${supportAccess.grantsAvailable ? 'Support access outside the region is recorded as a transfer on its grant.' : 'Support access is not yet recorded as grants (see supportAccess).'}`,
      supportAccess,
    },
    securityMeasures: [
      {
        measure: 'encryption at rest',
        detail:
          'personal data encrypted field by field with AES-256-GCM under a key per data subject, wrapped by the tenant key; Azure storage encryption underneath',
      },
      {
        measure: 'key custody',
        detail: `tenant keys are RSA 3072 keys in the region's Key Vault (${residency.stores.find((s) => s.store === 'Azure Key Vault')?.host}), never exported; deleted keys are purged after ${config.retention.keySoftDeleteDays} days`,
      },
      { measure: 'encryption in transit', detail: 'HTTPS with TLS 1.2 or later to every store and to the API' },
      {
        measure: 'audit chain',
        detail: `every request is recorded in hash chains (${config.audit.chainLanes} per log) in the same transaction as the change; the chain heads are signed nightly (ES256, in Key Vault) and kept write-once outside the tenant data`,
      },
      {
        measure: 'access control',
        detail:
          "bearer tokens (JWT) checked for issuer, audience and lifetime; a role matrix; a customer's administrators act only on their own tenant; refusals are logged",
      },
      { measure: 'residency', detail: `each tenant is pinned to one region for life; its stores are in ${residency.azureLocation} only` },
      {
        measure: 'backups',
        detail: `continuous backup in the same region, kept ${config.retention.backupDays} days; unreadable once the tenant key is destroyed`,
      },
    ],
  };
}

export const RECORD_CSV_HEADERS = ['section', 'item', 'value'] as const;

/** The record as rows of section, item and value, for a spreadsheet. */
export function recordRows(record: RecordOfProcessing): string[][] {
  const rows: string[][] = [
    ['generated', 'at', record.generatedAt],
    ['processor', 'name', record.processor.name],
    ['processor', 'contact', record.processor.contact.email],
    ['processor', 'DPO', `${record.processor.dpo.name} <${record.processor.dpo.email}>`],
    ['processor', 'representative', record.processor.representative],
    ['controller', 'tenant', record.controller.tenantId],
    ['controller', 'name', record.controller.name],
    ['controller', 'status', record.controller.status],
    ...record.controller.contacts.map((c) => ['controller', `${c.role} contact`, `${c.name} <${c.email}>`]),
    ...record.categoriesOfProcessing.map((c) => ['categories of processing', '', c]),
    ...record.dataCategories.map((c) => ['data categories', c.category, String(c.count)]),
    ...record.subProcessors.subProcessors.map((s) => ['sub-processors', `${s.name}: ${s.service}`, `${s.locations.join('; ')} (${s.transferMechanism})`]),
    ['sub-processors', 'list version', `${record.subProcessors.version} from ${record.subProcessors.effectiveFrom}`],
    ['region', 'key', record.region.key],
    ['region', 'Azure location', record.region.azureLocation],
    ['region', 'backup location', record.region.backupLocation],
    ['transfers', 'statement', record.transfers.statement],
    ['transfers', 'support access', record.transfers.supportAccess.statement],
    ...record.securityMeasures.map((m) => ['security measures', m.measure, m.detail]),
  ];
  return rows;
}
