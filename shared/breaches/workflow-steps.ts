// What the breach workflow reads through its activities: the plan (the 72-hour clock's instants and
// whether the notices are released yet) and the notices due (the initial one, then one per update).
// Ids, numbers and instants only: never a contact or any personal data.
import { z } from 'zod';
import type { Services } from '../composition.js';
import { addedTenantNoticesDue, noticeSeqsDue, targetMsOf, type BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';

export const breachPlanSchema = z.object({
  awareAt: z.string(),
  openedAt: z.string(),
  notifyBy: z.string(),
  released: z.boolean(),
  /** The internal notification target after awareness, in ms (the target alert's instant). */
  notifyTargetMs: z.number().int().positive().optional(),
  /** A draft closed as not notifiable: there is nothing to send. */
  closed: z.boolean().default(false),
});
export type BreachPlan = z.infer<typeof breachPlanSchema>;

// `closed` lets a workflow that missed the close event (or an update's) find it in the record when it re-plans.
export const noticesDueSchema = z.object({
  seqs: z.array(z.number().int().min(0)),
  nextUpdate: z.number().int().min(1),
  /** Notices to tenants added by updates (every notice so far when they are added, then each later one). */
  added: z.array(z.object({ tenantId: z.string(), seq: z.number().int().min(0) })).default([]),
  closed: z.boolean().optional(),
});
export type NoticesDue = z.infer<typeof noticesDueSchema>;

async function breach(services: Services, breachId: string): Promise<BreachDoc> {
  const doc = await (await BreachStore.open(services)).read(breachId);
  if (!doc) throw new Error(`no breach ${breachId}`);
  return doc;
}

export async function loadBreachPlan(services: Services, breachId: string): Promise<BreachPlan> {
  const doc = await breach(services, breachId);
  return {
    awareAt: doc.awareAt,
    openedAt: doc.openedAt,
    notifyBy: doc.notifyBy,
    released: doc.release !== undefined,
    notifyTargetMs: targetMsOf(doc),
    closed: doc.release === undefined && doc.closed !== undefined,
  };
}

/** The notices due after `after` (the initial one, then one per update), and the next update to wait for. */
export async function noticesDue(services: Services, breachId: string, after: number): Promise<NoticesDue> {
  const doc = await breach(services, breachId);
  return { seqs: noticeSeqsDue(doc, after), nextUpdate: doc.updates.length + 1, added: addedTenantNoticesDue(doc, after), closed: doc.closed !== undefined };
}
