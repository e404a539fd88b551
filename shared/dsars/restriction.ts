// Restriction of processing (Art 18): once a restriction request is fulfilled, the person's data is
// stored but not otherwise processed until the restriction is lifted. The mark is one document per
// person in the tenant's partition. The processing routes (record create and correct, user
// rectification) check it inside their own unit of work, before they write; reads show the data
// only to the controller's own admins, marked restricted (they decide on lifting it); tenant exports
// leave it out and say so. Erasure, and the person's own access package, are not stopped by it.
import type { AuditActor } from '../audit/chain.js';
import { ForbiddenError, UnprocessableError, type FieldError } from '../errors.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';

export interface RestrictionDoc extends StoredDoc {
  type: 'subjectRestriction';
  userId: string;
  /** The request that imposed it (the latest, if more than one did). */
  dsarId: string;
  since: string;
}

export const restrictionDocId = (userId: string): string => `restriction:${userId}`;

/** Refuses (422 SUBJECT.RESTRICTED) when any of the people is under a restriction of processing. */
export async function refuseRestricted(partition: TenantPartition, people: readonly { userId: string; path: string }[]): Promise<void> {
  const problems: FieldError[] = [];
  for (const person of people) {
    const restriction = await partition.read<RestrictionDoc>(restrictionDocId(person.userId));
    if (restriction)
      problems.push({
        path: person.path,
        message: `processing of user ${person.userId}'s data is restricted (since ${restriction.since}) until the restriction is lifted`,
      });
  }
  if (problems.length > 0) {
    throw new UnprocessableError(
      'SUBJECT.RESTRICTED',
      "Processing of this data is restricted at the data subject's request; lift the restriction (POST .../dsars/{dsarId}/lift-restriction) first.",
      problems,
    );
  }
}

/** What a read shows of a restriction: since when, and the request that imposed it. */
export interface RestrictedMarker {
  since: string;
  dsarId: string;
}

export const restrictedMarker = (doc: RestrictionDoc): RestrictedMarker => ({ since: doc.since, dsarId: doc.dsarId });

export async function restrictionOf(partition: TenantPartition, userId: string | undefined): Promise<RestrictionDoc | undefined> {
  return userId ? partition.read<RestrictionDoc>(restrictionDocId(userId)) : undefined;
}

/** Everyone under a restriction in the tenant, by user id (exports read it once). */
export async function restrictedPeople(partition: TenantPartition): Promise<Map<string, RestrictionDoc>> {
  const docs = await partition.queryAll<RestrictionDoc>("c.type = 'subjectRestriction'");
  return new Map(docs.map((d) => [d.userId, d]));
}

/** Only the controller's own admins read a restricted person's data: storage, and their decision on it, is all that remains. */
export function readsRestricted(actor: AuditActor, tenantId: string): boolean {
  return actor.roles.includes('tenant.admin') && actor.tenantId === tenantId;
}

export function restrictedReadRefused(what: string): ForbiddenError {
  return new ForbiddenError(
    'SUBJECT.RESTRICTED',
    `Processing of ${what} is restricted at the data subject's request (Art 18): only the controller's administrators can read it until the restriction is lifted.`,
  );
}
