// The retention schedule, as data: every category of data the system stores, where, for how long,
// on which legal basis, and what enforces it. The privacy notice points here; GET
// /api/retention-schedule publishes it; the Bicep retention settings are tested against it, and the
// retention sweep (sweeps.ts) enforces the rows whose enforcement is the sweep.
import { z } from 'zod';

export const retentionEntrySchema = z.object({
  category: z.string(),
  store: z.string(),
  /** How long, in days, when the rule is a fixed period; null when it ends with an event. */
  days: z.number().int().positive().nullable(),
  retention: z.string(),
  basis: z.string(),
  enforcedBy: z.string(),
});
export type RetentionEntry = z.infer<typeof retentionEntrySchema>;
export const retentionScheduleSchema = z.object({ categories: z.array(retentionEntrySchema).readonly() }).meta({ id: 'RetentionSchedule' });

/** Fixed periods, each the single source for the code and the tests that compare Bicep with it. */
export const RETENTION_DAYS = {
  exportsAndPackages: 7,
  idempotencyRecords: 1,
  backups: 30,
  keySoftDelete: 7,
  telemetry: 30,
  keyAudit: 365,
  certificates: 1826,
  erasureLedger: 35,
  taskHubHistory: 90,
  /** Declared by the sub-processors (their own retention, not enforced by this system). */
  emailServiceLogs: 30,
  errorReports: 90,
  /**
   * A replaced contact's name and address in the configuration history: one year after they left
   * the configuration. Long enough to show where each notice of that year went (a breach notice,
   * a DSAR reminder or a deletion certificate questioned afterwards, the yearly audit the DPA
   * allows, §11); after that the address proves nothing the entry's who, when and why do not.
   */
  formerContacts: 365,
} as const;

const DPA_DELETION = 'Art 28(3)(g) GDPR and DPA §9: deleted at the end of the services (30-day grace window, then deletion)';

export const RETENTION_SCHEDULE: readonly RetentionEntry[] = [
  {
    category: 'users',
    store: 'Cosmos DB tenant-data',
    days: null,
    retention: "for the tenancy; erased on request (the person's key is destroyed); deleted when the tenancy ends",
    basis: `processing on the controller's instructions, Art 28(3)(a); ${DPA_DELETION}`,
    enforcedBy: 'erasure and termination workflows',
  },
  {
    category: 'module records',
    store: 'Cosmos DB tenant-data',
    days: null,
    retention: 'for the tenancy; erased on request; deleted when the tenancy ends',
    basis: `Art 28(3)(a); ${DPA_DELETION}`,
    enforcedBy: 'erasure and termination workflows',
  },
  {
    category: 'audit log',
    store: 'Cosmos DB tenant-data',
    days: null,
    retention: "for the tenancy (an erased person's details become unreadable); deleted when the tenancy ends",
    basis: 'Art 28(3)(h) (information to demonstrate compliance) and Art 32',
    enforcedBy: 'termination workflow',
  },
  {
    category: 'DSAR records',
    store: 'Cosmos DB tenant-data',
    days: null,
    retention: 'for the tenancy, to show each request was answered; deleted when the tenancy ends',
    basis: 'Art 28(3)(e) (assisting the controller with data-subject requests)',
    enforcedBy: 'termination workflow',
  },
  {
    category: 'breach notices',
    store: 'Cosmos DB tenant-data',
    days: null,
    retention: 'for the tenancy; deleted when the tenancy ends',
    basis: 'Art 33(2) and Art 28(3)(f)',
    enforcedBy: 'termination workflow',
  },
  {
    category: 'exports and packages',
    store: 'Blob storage exports, packages',
    days: RETENTION_DAYS.exportsAndPackages,
    retention: '7 days after creation; deleted earlier when a person in them is erased or the tenancy ends',
    basis: 'data minimisation, Art 5(1)(c) and (e)',
    enforcedBy: 'blob lifecycle rule (infra/) and the retention sweep',
  },
  {
    category: 'idempotency records',
    store: 'Cosmos DB tenant-data',
    days: RETENTION_DAYS.idempotencyRecords,
    retention: "24 hours (item TTL); replies naming a person are sealed under that person's key",
    basis: 'Art 5(1)(e)',
    enforcedBy: 'Cosmos DB TTL',
  },
  {
    category: 'erasure ledger',
    store: 'Blob storage erasure-ledger',
    days: RETENTION_DAYS.erasureLedger,
    retention: '35 days: longer than any restore point, so an erasure survives a restore',
    basis: 'Art 17 (erasure must hold after a restore) and Art 32(1)(c)',
    enforcedBy: 'blob lifecycle rule (infra/)',
  },
  {
    category: 'deletion log',
    store: 'Cosmos DB certificates',
    days: RETENTION_DAYS.certificates,
    retention: 'five years after termination (ids of deleted documents only)',
    basis: 'DPA §9 (certification of deletion) and the confidentiality that outlives the tenancy by five years',
    enforcedBy: 'kept with the certificates',
  },
  {
    category: 'certificates',
    store: 'Cosmos DB certificates and Blob storage evidence (WORM)',
    days: RETENTION_DAYS.certificates,
    retention: 'five years after issue',
    basis: 'DPA §9 (written certification of deletion), Art 5(2) accountability',
    enforcedBy: 'immutability policy of the evidence container (infra/)',
  },
  {
    category: 'former contacts in configuration history',
    store: 'Cosmos DB tenant-data',
    days: RETENTION_DAYS.formerContacts,
    retention:
      "a replaced security or privacy contact's name and address, or a replaced administrator's notification address, is removed from the configuration history 365 days after the change that replaced them; who changed what, when and why, and that a contact was replaced, stay for the tenancy; current contacts are kept",
    basis: 'Art 5(1)(c) and (e); kept a year to demonstrate where notices went (Art 5(2), Art 33(2), DPA §11 yearly audit)',
    enforcedBy: 'the retention sweep',
  },
  {
    category: 'breach register',
    store: 'Cosmos DB control (UK South)',
    days: null,
    retention: 'kept: facts, effects and remedial action of every breach, with per-tenant notice times',
    basis: 'Art 33(5) (documentation of every breach)',
    enforcedBy: 'not deleted',
  },
  {
    category: 'task-hub history',
    store: 'Durable Functions task hub (host storage)',
    days: RETENTION_DAYS.taskHubHistory,
    retention: "ids and instants only; a terminated tenant's instances are purged once its termination completes, others 90 days after they ended",
    basis: 'Art 5(1)(e)',
    enforcedBy: 'the retention sweep',
  },
  {
    category: 'telemetry',
    store: 'Application Insights and Log Analytics (per region)',
    days: RETENTION_DAYS.telemetry,
    retention: "30 days (no personal data by design; a download's client address in storage logs)",
    basis: 'Art 32 (security monitoring)',
    enforcedBy: 'workspace retention (infra/)',
  },
  {
    category: 'key audit events',
    store: 'Log Analytics (per region)',
    days: RETENTION_DAYS.keyAudit,
    retention: '365 days: the evidence that a tenant key was deleted',
    basis: 'Art 5(2) accountability',
    enforcedBy: 'workspace table retention (infra/)',
  },
  {
    category: 'backups',
    store: 'Cosmos DB continuous backup (per region)',
    days: RETENTION_DAYS.backups,
    retention: '30 days; unreadable once the tenant key is destroyed; erasures re-applied after a restore from the erasure ledger',
    basis: 'Art 32(1)(c) (restore availability)',
    enforcedBy: 'continuous backup tier (infra/)',
  },
  {
    category: 'email service logs',
    store: 'Azure Communication Services (sub-processor, per region)',
    days: RETENTION_DAYS.emailServiceLogs,
    retention: 'delivery logs of the notices sent (recipient addresses, no message bodies kept by the app), deleted by the service',
    basis: 'Art 28(2) and (4): sub-processor under the same terms',
    enforcedBy: "the sub-processor's own retention",
  },
  {
    category: 'error reports',
    store: 'Sentry (sub-processor)',
    days: RETENTION_DAYS.errorReports,
    retention: 'error events scrubbed of personal data before they leave the app, deleted by the service',
    basis: 'Art 32 (security of processing)',
    enforcedBy: "the sub-processor's own retention",
  },
  {
    category: 'deleted tenant keys',
    store: 'Key Vault (per region)',
    days: RETENTION_DAYS.keySoftDelete,
    retention: '7 days soft-deleted (purge protection), then purged by Key Vault',
    basis: 'Art 32',
    enforcedBy: 'vault soft-delete retention (infra/)',
  },
];
