// The evidence pack a customer's auditor asks for (DPA §11, Art 28(3)(h)): a durable job builds, in
// the tenant's region, one archive with the record of processing, the sub-processor list and its
// change history, a residency statement, the audit log's verification with its latest signed anchor,
// DSAR statistics, the tenant's breach notices and acknowledgements, support access, and a manifest
// of every file with its SHA-256, signed as a compact JWS in the region's Key Vault (verifiable with
// /api/.well-known/jwks.json). At most one pack is built per tenant at a time.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { verifyLog } from '../audit/audit-log.js';
import { checkAgainstAnchor, latestAnchor } from '../audit/anchors.js';
import { systemActor } from '../audit/system-actor.js';
import type { BreachNoticeDoc } from '../breaches/notice.js';
import { signCompactJws } from '../crypto/signed-records.js';
import type { DsarDoc } from '../dsars/dsar.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { phaseTable } from '../flows/phase-table.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { runTenantWork, type IdempotencyOptions } from '../store/unit-of-work.js';
import { SubProcessorStore } from '../sub-processors/store.js';
import { tenantData, tenantRecords, tenantRef } from '../tenants/partitions.js';
import { workInTenant, type OpenTenant, type RequestMeta } from '../tenants/tenant-access.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { TenantChangeRecordDoc } from '../sub-processors/change-notices.js';
import { dsarStatistics } from './dsar-statistics.js';
import { recordOfProcessing } from './record-of-processing.js';
import { residencyStatement } from './residency.js';
import { supportAccessSection } from './support-access.js';
import { tarArchive } from './tar.js';

export const PACK_ID = /^[0-9a-f]{16}$/;
export const EVIDENCE_PACK_PHASES = phaseTable('evidence-pack', { building: ['ready', 'failed'], ready: [], failed: [] });
export type EvidencePackStatus = (typeof EVIDENCE_PACK_PHASES.phases)[number];

export const packFileSchema = z.object({ name: z.string(), bytes: z.number().int().min(0), sha256: z.string() });
export interface BuiltPack {
  blobName: string;
  bytes: number;
  sha256: string;
  files: z.infer<typeof packFileSchema>[];
  /** The signed manifest (compact JWS). */
  manifest: string;
}

/** What the job's workflow learns of a built pack: counts only (the manifest names the tenant; it stays in the tenant's data). */
export const packBuiltSchema = z.object({ files: z.number().int().min(0), bytes: z.number().int().min(0) });
export type PackBuilt = z.infer<typeof packBuiltSchema>;

export interface EvidencePackDoc extends StoredDoc {
  type: 'evidencePack';
  packId: string;
  instanceId: string;
  status: EvidencePackStatus;
  requestedAt: string;
  requestedBy: string;
  completedAt?: string;
  /** Set when the archive is stored (the job may still be `building` until its outcome is recorded). */
  built?: BuiltPack;
  failure?: string;
}

/** Held while a pack is being built: a second request finds it and gets the running pack. */
interface PackLockDoc extends StoredDoc {
  type: 'evidencePackLock';
  packId: string;
}

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const evidencePackViewSchema = z
  .object({
    evidencePackId: z.string(),
    status: z.enum(EVIDENCE_PACK_PHASES.phases),
    requestedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().optional(),
    files: z.array(packFileSchema).optional().meta({ description: 'When ready: the files of the archive' }),
    bytes: z.int().min(0).optional(),
    sha256: z.string().optional(),
    manifest: z.string().optional().meta({ description: 'When ready: the signed manifest (compact JWS)' }),
    download: z.object({ url: z.string(), expiresAt: z.iso.datetime() }).optional().meta({ description: 'When ready: a fresh expiring download link' }),
    failure: z.string().optional(),
  })
  .meta({ id: 'EvidencePack' });
export type EvidencePackView = z.infer<typeof evidencePackViewSchema>;

const LOCK_ID = 'evidence-pack:building';
export const packDocId = (packId: string): string => `evidence-pack:${packId}`;
export const packInstanceId = (tenantId: string, packId: string): string => `evidence-pack-${tenantId}-${packId}`;
const packBlobName = (tenantId: string, packId: string): string => `${tenantId}/evidence-${packId}/evidence-pack-${packId}.tar`;
export const manifestEvidenceName = (tenantId: string, packId: string): string => `${tenantId}/evidence-packs/${packId}-manifest.jws`;

class PackBuilding extends ConflictError {
  constructor() {
    super('EVIDENCE_PACK.BUILDING', 'An evidence pack of this tenant is being built.');
  }
}

function viewOf(doc: EvidencePackDoc): EvidencePackView {
  return {
    evidencePackId: doc.packId,
    status: doc.status,
    requestedAt: doc.requestedAt,
    ...(doc.completedAt ? { completedAt: doc.completedAt } : {}),
    ...(doc.built && doc.status === 'ready' ? { files: doc.built.files, bytes: doc.built.bytes, sha256: doc.built.sha256, manifest: doc.built.manifest } : {}),
    ...(doc.failure ? { failure: doc.failure } : {}),
  };
}

/** Starts a pack, or answers with the one being built (`created: false`). */
export async function requestEvidencePack(
  services: Services,
  open: OpenTenant,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<{ view: EvidencePackView; instanceId: string; created: boolean }> {
  try {
    const started = await workInTenant(
      services,
      open,
      meta,
      async (tx) => {
        const packId = randomBytes(8).toString('hex');
        const doc: EvidencePackDoc = {
          id: packDocId(packId),
          tenantId: open.partition.tenantId,
          type: 'evidencePack',
          packId,
          instanceId: packInstanceId(open.partition.tenantId, packId),
          status: 'building',
          requestedAt: meta.now.toISOString(),
          requestedBy: open.actor.sub,
        };
        const lock: PackLockDoc = { id: LOCK_ID, tenantId: open.partition.tenantId, type: 'evidencePackLock', packId };
        tx.create(lock, () => new PackBuilding());
        tx.create(doc);
        tx.audit({ action: 'evidence-pack.requested', target: { type: 'evidencePack', id: packId } });
        return { view: viewOf(doc), instanceId: doc.instanceId };
      },
      meta.idempotency,
    );
    return { ...started, created: true };
  } catch (error) {
    if (!(error instanceof PackBuilding)) throw error;
    const lock = await open.partition.read<PackLockDoc>(LOCK_ID);
    const running = lock ? await open.partition.read<EvidencePackDoc>(packDocId(lock.packId)) : undefined;
    if (!running) throw error;
    return { view: viewOf(running), instanceId: running.instanceId, created: false };
  }
}

/** The pack; when ready, with a fresh download link (valid for DOWNLOAD_LINK_TTL_HOURS). Audited. */
export async function readEvidencePack(services: Services, open: OpenTenant, packId: string, meta: RequestMeta): Promise<EvidencePackView> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await tx.partition.read<EvidencePackDoc>(packDocId(packId));
    if (!doc || doc.type !== 'evidencePack') throw new NotFoundError('EVIDENCE_PACK.NOT_FOUND', `There is no evidence pack ${packId} in this tenant.`);
    const view = viewOf(doc);
    if (doc.status === 'ready' && doc.built) {
      const expiresAt = new Date(meta.now.getTime() + services.config.retention.downloadLinkHours * 3600_000);
      view.download = {
        url: await services.blobs.downloadLink(open.partition.ref.region, 'packages', doc.built.blobName, expiresAt),
        expiresAt: expiresAt.toISOString(),
      };
      tx.audit({ action: 'evidence-pack.link-issued', target: { type: 'evidencePack', id: packId } });
    } else tx.audit({ action: 'evidence-pack.read', target: { type: 'evidencePack', id: packId } });
    return view;
  });
}

export interface PackRef {
  tenantId: string;
  packId: string;
}

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The sub-processor list, every version, and every change with what this tenant was told and its objection. */
async function subProcessorHistory(services: Services, tenantId: string, now: Date): Promise<unknown> {
  const store = await SubProcessorStore.open(services);
  const list = await store.list(now);
  const partition = await tenantData(services, tenantId);
  const records = await partition.queryAll<TenantChangeRecordDoc>("c.type = 'subProcessorChangeRecord'");
  const changes = await Promise.all(
    (await store.changes()).map(async (change) => {
      const objection = await store.readObjection(change.changeId, tenantId);
      const record = records.find((r) => r.changeId === change.changeId);
      return {
        changeId: change.changeId,
        kind: change.kind,
        subProcessor: change.subProcessor,
        reason: change.reason,
        requestedAt: change.requestedAt,
        effectiveAt: change.effectiveAt,
        phase: change.phase,
        ...(change.effective ? { effective: change.effective } : {}),
        ...(change.withdrawn ? { withdrawn: { at: change.withdrawn.at, reason: change.withdrawn.reason } } : {}),
        thisTenant: {
          noticeAt: record?.noticeAt ?? null,
          reminderAt: record?.reminderAt ?? null,
          effectiveRecordedAt: record?.effectiveRecordedAt ?? null,
          withdrawnAt: record?.withdrawnAt ?? null,
          objection: objection
            ? {
                reason: record?.objection?.reason ?? null,
                objectedAt: objection.objectedAt,
                answer: objection.answer ? { text: objection.answer.text, at: objection.answer.at } : null,
              }
            : null,
        },
      };
    }),
  );
  const current = list.versions[list.versions.length - 1]!;
  return { current, versions: list.versions, changes };
}

async function auditVerificationFile(services: Services, tenantId: string): Promise<unknown> {
  const partition = await tenantData(services, tenantId);
  const chain = await verifyLog(partition);
  const anchored = await checkAgainstAnchor(services, tenantId);
  const anchor = await latestAnchor(await tenantRecords(services, tenantId));
  return {
    valid: chain.valid && !anchored.problem,
    entries: chain.entries,
    head: chain.head,
    chains: chain.chains,
    ...(chain.firstBreak ? { firstBreak: chain.firstBreak } : anchored.problem ? { firstBreak: anchored.problem } : {}),
    latestAnchor: anchor ? { seq: anchor.seq, hash: anchor.hash, at: anchor.at, chains: anchor.chains, signed: anchor.signed } : null,
    note: anchor
      ? 'latestAnchor.signed is a compact JWS (ES256) over the chain heads, verifiable with /api/.well-known/jwks.json'
      : 'no anchor has been signed yet (heads are signed nightly at 02:00 UTC)',
  };
}

async function breachNoticesFile(services: Services, tenantId: string): Promise<unknown> {
  const partition = await tenantData(services, tenantId);
  const docs = await partition.queryAll<BreachNoticeDoc>("c.type = 'breachNotice'");
  docs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq);
  return docs.map((doc) => ({
    noticeId: doc.noticeId,
    breachId: doc.breachId,
    kind: doc.kind,
    seq: doc.seq,
    createdAt: doc.createdAt,
    content: doc.snapshot,
    // Who received it stays in the tenant's own data; times and counts are what an auditor checks.
    deliveries: doc.deliveries.map((d) => ({
      attempt: d.attempt,
      sentAt: d.sentAt,
      subject: d.subject,
      textSha256: d.textSha256,
      recipientCount: d.recipientCount,
      refused: d.refused,
    })),
    acknowledged: doc.acknowledged ?? null,
  }));
}

async function dsarStatisticsFile(services: Services, tenantId: string, now: Date): Promise<unknown> {
  const partition = await tenantData(services, tenantId);
  const docs = await partition.queryAll<DsarDoc>("c.type = 'dsar'", [], { fields: ['requestType', 'status', 'clock', 'deadline', 'closedAt'] });
  const stats = dsarStatistics(
    docs.map((d) => ({
      requestType: d.requestType,
      status: d.status,
      jurisdiction: d.clock.jurisdiction,
      extended: d.clock.extended,
      dueOn: d.deadline.dueOn,
      ...(d.closedAt ? { closedAt: d.closedAt } : {}),
    })),
    now,
  );
  return {
    asOf: now.toISOString(),
    rule: "answered on time: closed (completed or refused) on or before the deadline in force, in the jurisdiction's calendar",
    ...stats,
  };
}

const README = (tenantId: string, packId: string): string => `Evidence pack ${packId} for tenant ${tenantId}

Every file of this archive is listed in manifest.json with its size and SHA-256 digest.
manifest.jws is the same manifest signed as a compact JWS (ES256) with a key held in the
tenant's region's Azure Key Vault. To verify the pack:
1. Fetch the public keys: GET /api/.well-known/jwks.json (no authentication).
2. Take the JWS header's "kid", find that key, and verify the signature with any JOSE library
   (for example: jose.compactVerify(jws, await jose.importJWK(key, 'ES256'))).
3. Compute the SHA-256 of each file and compare it with the "files" of the verified payload.
`;

/**
 * Builds the pack's files, signs the manifest, stores the archive in the tenant's region and records
 * it on the job. A re-run after that returns what was recorded; after a crash before it, the pack is
 * built and stored again (the same blob name, overwritten).
 */
export async function buildEvidencePack(services: Services, ref: PackRef, now: Date, requestId: string): Promise<PackBuilt> {
  const { region } = tenantRef(ref.tenantId);
  const partition = await tenantData(services, ref.tenantId);
  const job = await partition.read<EvidencePackDoc>(packDocId(ref.packId));
  if (!job) throw new Error(`no evidence pack ${ref.packId}`);
  if (job.built) return { files: job.built.files.length, bytes: job.built.bytes };
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant) throw new Error(`tenant ${ref.tenantId} has no record`);
  const open: OpenTenant = { partition, tenant, actor: systemActor('evidence-pack') };

  const files: { name: string; content: Buffer }[] = [
    { name: 'README.txt', content: Buffer.from(README(ref.tenantId, ref.packId), 'utf8') },
    { name: 'record-of-processing.json', content: json(await recordOfProcessing(services, open, now)) },
    { name: 'sub-processors.json', content: json(await subProcessorHistory(services, ref.tenantId, now)) },
    { name: 'residency.json', content: json(residencyStatement(services.config, ref.tenantId, region)) },
    { name: 'audit-verification.json', content: json(await auditVerificationFile(services, ref.tenantId)) },
    { name: 'dsar-statistics.json', content: json(await dsarStatisticsFile(services, ref.tenantId, now)) },
    { name: 'breach-notices.json', content: json(await breachNoticesFile(services, ref.tenantId)) },
    { name: 'support-access.json', content: json(await supportAccessSection(services, ref.tenantId)) },
  ];
  const listed = files.map((f) => ({ name: f.name, bytes: f.content.length, sha256: sha256(f.content) }));
  const manifest = {
    iss: 'urn:privacy-ops:evidence-packs',
    sub: ref.tenantId,
    jti: ref.packId,
    iat: Math.floor(now.getTime() / 1000),
    kind: 'evidence-pack-manifest',
    tenant: { tenantId: ref.tenantId, name: tenant.name, region },
    generatedAt: now.toISOString(),
    files: listed,
  };
  const signed = await signCompactJws(services.vaults[region], services.stores, region, manifest);
  const archive = tarArchive(
    [...files, { name: 'manifest.json', content: json(manifest) }, { name: 'manifest.jws', content: Buffer.from(signed, 'ascii') }],
    now,
  );
  const blobName = packBlobName(ref.tenantId, ref.packId);
  await services.blobs.uploadStream(region, 'packages', blobName, Readable.from([archive]), 'application/x-tar', {
    downloadName: `evidence-pack-${ref.packId}.tar`,
  });
  // The signed manifest also kept write-once beside the certificates and anchors.
  await services.blobs.keepEvidence(region, manifestEvidenceName(ref.tenantId, ref.packId), signed, 'application/jose');
  const built: BuiltPack = { blobName, bytes: archive.length, sha256: sha256(archive), files: listed, manifest: signed };
  await runTenantWork(services.keyring, partition, { actor: systemActor('evidence-pack'), requestId, now }, async (tx) => {
    const current = await tx.partition.read<EvidencePackDoc>(packDocId(ref.packId));
    if (!current || current.built) return;
    tx.replace({ ...current, built }, current._etag!);
    tx.audit({ action: 'evidence-pack.stored', target: { type: 'evidencePack', id: ref.packId } });
  });
  return { files: listed.length, bytes: archive.length };
}

/** Records the outcome (audited) and releases the tenant's pack lock. A re-run changes nothing. */
export async function recordEvidencePackOutcome(
  services: Services,
  ref: PackRef,
  outcome: { built: true } | { failure: string },
  now: Date,
  requestId: string,
): Promise<void> {
  const partition = await tenantData(services, ref.tenantId);
  await runTenantWork(services.keyring, partition, { actor: systemActor('evidence-pack'), requestId, now }, async (tx) => {
    const doc = await tx.partition.read<EvidencePackDoc>(packDocId(ref.packId));
    const to: EvidencePackStatus = 'built' in outcome ? 'ready' : 'failed';
    if (!doc || !EVIDENCE_PACK_PHASES.next(doc.status).includes(to)) return;
    if (to === 'ready' && !doc.built) throw new Error(`evidence pack ${ref.packId} is not stored yet`);
    const done: EvidencePackDoc =
      'built' in outcome
        ? { ...doc, status: 'ready', completedAt: now.toISOString() }
        : { ...doc, status: 'failed', completedAt: now.toISOString(), failure: outcome.failure };
    tx.replace(done, doc._etag!);
    const lock = await tx.partition.read<PackLockDoc>(LOCK_ID);
    if (lock?.packId === ref.packId) tx.delete(LOCK_ID);
    tx.audit({
      action: 'built' in outcome ? 'evidence-pack.completed' : 'evidence-pack.failed',
      target: { type: 'evidencePack', id: ref.packId },
      outcome: 'built' in outcome ? 'success' : 'failure',
    });
  });
}
