// Users: create, read, rectify (tracked), deactivate and erase, each audited in the same
// transaction as the change.
import { workInTenant } from '../tenants/tenant-access.js';
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import { auditDetailsAad } from '../audit/audit-log.js';
import { ERASED, type TenantCipher } from '../crypto/keyring.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { etagOf, requireVersion, type CURRENT_VERSION, type Representation } from '../store/versioning.js';
import type { IdempotencyOptions, TenantWork } from '../store/unit-of-work.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { readsRestricted, refuseRestricted, restrictedMarker, restrictedReadRefused, restrictionOf } from '../dsars/restriction.js';
import { completeErasure, pendingErasureDoc } from '../erasure/pending.js';
import {
  emailClaimDocId,
  normaliseEmail,
  PROFILE_FIELDS,
  profileAad,
  rectificationAad,
  userDocId,
  type FieldChanges,
  type RectifyUserRequest,
  type UserDoc,
  type UserEmailClaimDoc,
  type UserProfile,
  type UserView,
} from './user.js';

const emailTaken = (): Error => new ConflictError('USER.EMAIL_TAKEN', 'Another user of this tenant already has this email address.');

export async function createUser(
  services: Services,
  open: OpenTenant,
  profile: UserProfile,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<Representation<UserView>> {
  return workInTenant(services, open, meta, async (tx) => {
      const userId = `u-${randomBytes(10).toString('hex')}`;
      tx.replyOwner = { kind: 'subject', subjectId: userId };
      const emailIndex = await services.keyring.blindIndex(open.partition, 'email', normaliseEmail(profile.email));
      const now = meta.now.toISOString();
      const doc: UserDoc = {
        id: userDocId(userId),
        tenantId: open.partition.tenantId,
        type: 'user',
        userId,
        status: 'active',
        version: 1,
        createdAt: now,
        createdBy: open.actor.sub,
        updatedAt: now,
        emailIndex,
        profile: await tx.cipher.seal({ kind: 'subject', subjectId: userId }, profile, profileAad(userId)),
        rectifications: [],
      };
      tx.create({ id: emailClaimDocId(emailIndex), tenantId: open.partition.tenantId, type: 'userEmailClaim', userId } satisfies UserEmailClaimDoc, emailTaken);
      tx.create(doc);
      tx.audit({ action: 'user.created', target: { type: 'user', id: userId } });
      return { view: await viewOf(doc, tx.cipher), etag: etagOf(doc.version) };
    },
    meta.idempotency,
  );
}

export async function readUser(services: Services, open: OpenTenant, userId: string, meta: RequestMeta): Promise<Representation<UserView>> {
  const restriction = await restrictionOf(open.partition, userId);
  if (restriction && !readsRestricted(open.actor, open.partition.tenantId)) {
    // The refusal is recorded (committed on its own) before it is answered.
    await workInTenant(services, open, meta, async (tx) =>
      tx.audit({ action: 'user.read-refused-restricted', target: { type: 'user', id: userId }, outcome: 'failure' }),
    );
    throw restrictedReadRefused(`user ${userId}'s data`);
  }
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadUser(tx, userId);
    tx.audit({ action: 'user.read', target: { type: 'user', id: userId } });
    const view = await viewOf(doc, tx.cipher);
    return { view: restriction && doc.status !== 'erased' ? { ...view, restricted: restrictedMarker(restriction) } : view, etag: etagOf(doc.version) };
  });
}

export async function rectifyUser(
  services: Services,
  open: OpenTenant,
  userId: string,
  request: RectifyUserRequest,
  meta: RequestMeta & { ifMatch: string | typeof CURRENT_VERSION | undefined; idempotency?: IdempotencyOptions },
): Promise<Representation<UserView>> {
  return workInTenant(services, open, meta, async (tx) => {
      const doc = await loadUser(tx, userId);
      tx.replyOwner = { kind: 'subject', subjectId: userId };
      requireVersion(meta.ifMatch, doc.version);
      if (doc.status === 'erased') throw new ConflictError('USER.ERASED', 'This user has been erased; there is nothing left to rectify.');
      await refuseRestricted(tx.partition, [{ userId, path: 'path:userId' }]);
      const current = (await tx.cipher.open(doc.profile!, profileAad(userId))) as UserProfile;
      const next: UserProfile = { ...current };
      const changes: FieldChanges = {};
      for (const field of PROFILE_FIELDS) {
        const requested = request[field];
        if (requested === undefined) continue;
        const before = current[field] ?? null;
        if (requested === before) continue;
        changes[field] = { from: before, to: requested };
        if (requested === null) delete next[field];
        else next[field] = requested as never;
      }
      if (Object.keys(changes).length === 0) return { view: await viewOf(doc, tx.cipher), etag: etagOf(doc.version) };

      const at = meta.now.toISOString();
      const updated: UserDoc = {
        ...doc,
        version: doc.version + 1,
        updatedAt: at,
        profile: await tx.cipher.seal({ kind: 'subject', subjectId: userId }, next, profileAad(userId)),
        rectifications: [
          ...(doc.rectifications ?? []),
          {
            at,
            by: open.actor.sub,
            sealed: await tx.cipher.seal({ kind: 'subject', subjectId: userId }, { reason: request.reason, changes }, rectificationAad(userId, at)),
          },
        ],
      };
      if (changes.email && changes.email.to !== null) {
        const newIndex = await tx.cipher.blindIndex('email', normaliseEmail(changes.email.to));
        if (newIndex !== doc.emailIndex) {
          if (doc.emailIndex) tx.delete(emailClaimDocId(doc.emailIndex));
          tx.create(
            { id: emailClaimDocId(newIndex), tenantId: open.partition.tenantId, type: 'userEmailClaim', userId } satisfies UserEmailClaimDoc,
            emailTaken,
          );
          updated.emailIndex = newIndex;
        }
      }
      tx.replace(updated, doc._etag!);
      tx.audit({
        action: 'user.rectified',
        target: { type: 'user', id: userId },
        details: await tx.cipher.seal(
          { kind: 'subject', subjectId: userId },
          { fields: Object.keys(changes), reason: request.reason },
          auditDetailsAad('user.rectified', userId, at),
        ),
      });
      return { view: await viewOf(updated, tx.cipher), etag: etagOf(updated.version) };
    },
    meta.idempotency,
  );
}

export async function deactivateUser(services: Services, open: OpenTenant, userId: string, meta: RequestMeta): Promise<Representation<UserView>> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadUser(tx, userId);
    if (doc.status === 'erased') throw new ConflictError('USER.ERASED', 'This user has been erased.');
    if (doc.status === 'deactivated') return { view: await viewOf(doc, tx.cipher), etag: etagOf(doc.version) };
    const at = meta.now.toISOString();
    const updated: UserDoc = { ...doc, status: 'deactivated', deactivatedAt: at, updatedAt: at, version: doc.version + 1 };
    tx.replace(updated, doc._etag!);
    tx.audit({ action: 'user.deactivated', target: { type: 'user', id: userId } });
    return { view: await viewOf(updated, tx.cipher), etag: etagOf(updated.version) };
  });
}

/**
 * Erasure: the live record becomes a tombstone without personal data, and the user's key is
 * destroyed, so their data in audit details and backups can no longer be read either.
 */
export async function eraseUser(
  services: Services,
  open: OpenTenant,
  userId: string,
  meta: RequestMeta & { reason?: string; idempotency?: IdempotencyOptions },
): Promise<Representation<UserView>> {
  const erased = await workInTenant(services, open, meta, async (tx) => {
      const doc = await loadUser(tx, userId);
      if (doc.status === 'erased') return { view: tombstoneView(doc), etag: etagOf(doc.version) };
      const at = meta.now.toISOString();
      const tombstone = userTombstone(doc, at, open.actor.sub);
      tx.replace(tombstone, doc._etag!);
      if (doc.emailIndex) tx.delete(emailClaimDocId(doc.emailIndex));
      tx.raw(services.keyring.destroySubjectKeyOp(userId));
      // Committed with the erasure: what finishes it (ledger entry, copies) if this request stops after the commit.
      tx.create(pendingErasureDoc({ kind: 'subject', tenantId: open.partition.tenantId, subjectId: userId, at }));
      tx.afterCommit(() => services.keyring.forgetSubject(open.partition.tenantId, userId));
      tx.audit({
        action: 'user.erased',
        target: { type: 'user', id: userId },
        ...(meta.reason ? { details: await tx.cipher.seal({ kind: 'tenant' }, { reason: meta.reason }, auditDetailsAad('user.erased', userId, at)) } : {}),
      });
      return { view: tombstoneView(tombstone), etag: etagOf(tombstone.version) };
    },
    meta.idempotency,
  );
  // Also when it was erased already: a retry finishes what a crash after the commit left (so does the reconciler).
  const at = erased.view.erasedAt ?? erased.view.updatedAt;
  await completeErasure(services, open.actor, { kind: 'subject', tenantId: open.partition.tenantId, subjectId: userId, at }, meta);
  return erased;
}

/** The user record after erasure: ids and instants only, no personal data. */
export function userTombstone(doc: UserDoc, at: string, erasedBy: string): UserDoc {
  return {
    id: doc.id,
    tenantId: doc.tenantId,
    type: 'user',
    userId: doc.userId,
    status: 'erased',
    version: doc.version + 1,
    createdAt: doc.createdAt,
    createdBy: doc.createdBy,
    updatedAt: at,
    erasedAt: at,
    erasedBy,
  };
}

export async function loadUser(tx: TenantWork, userId: string): Promise<UserDoc> {
  const doc = await tx.partition.read<UserDoc>(userDocId(userId));
  if (!doc) throw new NotFoundError('USER.NOT_FOUND', `There is no user ${userId} in this tenant.`);
  return doc;
}

function tombstoneView(doc: UserDoc): UserView {
  return { userId: doc.userId, status: 'erased', createdAt: doc.createdAt, updatedAt: doc.updatedAt, ...(doc.erasedAt ? { erasedAt: doc.erasedAt } : {}) };
}

export async function viewOf(doc: UserDoc, cipher: TenantCipher): Promise<UserView> {
  if (doc.status === 'erased' || !doc.profile) return tombstoneView(doc);
  const profile = await cipher.open(doc.profile, profileAad(doc.userId));
  if (profile === ERASED) return tombstoneView(doc);
  const rectifications = [];
  for (const r of doc.rectifications ?? []) {
    const opened = (await cipher.open(r.sealed, rectificationAad(doc.userId, r.at))) as { reason: string; changes: FieldChanges };
    rectifications.push({ at: r.at, by: r.by, reason: opened.reason, changes: opened.changes });
  }
  return {
    userId: doc.userId,
    status: doc.status,
    ...(profile as UserProfile),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...(doc.deactivatedAt ? { deactivatedAt: doc.deactivatedAt } : {}),
    rectifications,
  };
}

