// Restriction of processing (Art 18): once a restriction request is fulfilled, the person's data is
// stored but not otherwise processed until the restriction is lifted. The mark is one document per
// person in the tenant's partition; the processing routes (record create and correct, user
// rectification) check it inside their own unit of work, before they write. Reads, exports and
// erasure are not processing that a restriction stops.
import { UnprocessableError, type FieldError } from '../errors.js';
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
    if (restriction) problems.push({ path: person.path, message: `processing of user ${person.userId}'s data is restricted (since ${restriction.since}) until the restriction is lifted` });
  }
  if (problems.length > 0) {
    throw new UnprocessableError('SUBJECT.RESTRICTED', 'Processing of this data is restricted at the data subject\'s request; lift the restriction (POST .../dsars/{dsarId}/lift-restriction) first.', problems);
  }
}
