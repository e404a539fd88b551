// What ops on call see of the open flows (GET /api/ops/workflows): every flow in the open-flow
// index with its kind, tenant, deadline, workflow status and last error, and whether it needs
// attention: failed (or missing, or terminated), stuck past a step's due time, due within the next
// 24 hours, past its deadline, or holding a change the workflow was not told of. Ids, instants,
// statuses and error codes only; an error message is scrubbed of anything that looks personal.
import { z } from 'zod';
import { scrubValue } from '../observability/sentry.js';
import type { OpenFlowIndex } from './open-flow-index.js';
import { SETTLE_MS } from './reconciler.js';
import { LIVE_STATUSES, type TaskHub } from './task-hub.js';

export const ATTENTION_REASONS = ['failed', 'stuck', 'due-soon', 'overdue', 'change-undelivered'] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

// Responses (documented in the OpenAPI document; the view type is derived from it).
export const flowViewSchema = z.object({
  kind: z.string(),
  instanceId: z.string(),
  tenantId: z.string().nullable(),
  region: z.string(),
  deadline: z.string().nullable().meta({ description: 'The date or instant the flow must be done by (a DSAR due date, a breach notifyBy, the end of grace)' }),
  dueAt: z.string().nullable().meta({ description: 'When the reconciler next looks at the flow' }),
  instanceStatus: z.string(),
  nextStepAt: z.string().nullable().meta({ description: 'The step the workflow waits for next and when (from its custom status), when it shows one' }),
  lastError: z.string().nullable(),
  repairs: z.int(),
  attention: z.boolean(),
  reasons: z.array(z.enum(ATTENTION_REASONS)),
});
export type FlowView = z.infer<typeof flowViewSchema>;
export const openFlowsSchema = z.object({ generatedAt: z.iso.datetime(), flows: z.array(flowViewSchema) }).meta({ id: 'OpenFlows' });

/** A step still not taken this long after its time is stuck (a healthy workflow takes it within seconds, or retries). */
export const STUCK_AFTER_MS = 30 * 60_000;
const DAY_MS = 24 * 3600_000;

export async function openFlowsView(index: OpenFlowIndex, hub: TaskHub, now: Date): Promise<FlowView[]> {
  const flows: FlowView[] = [];
  for await (const page of index.all()) {
    for (const entry of page) {
      const state = await hub.state(entry.instanceId);
      if (state.status === 'Completed') {
        // Done: it owes nothing more (the reconciler would remove it at its due instant).
        await index.remove(entry.instanceId);
        continue;
      }
      const custom =
        'customStatus' in state && state.customStatus && typeof state.customStatus === 'object'
          ? (state.customStatus as Record<string, unknown>)
          : {};
      const nextStepAt = typeof custom['nextAt'] === 'string' ? custom['nextAt'] : null;
      const reasons: AttentionReason[] = [];
      if (!LIVE_STATUSES.has(state.status)) reasons.push('failed');
      if (nextStepAt && Date.parse(nextStepAt) + STUCK_AFTER_MS <= now.getTime()) reasons.push('stuck');
      if (entry.dueAt) {
        const due = Date.parse(entry.dueAt);
        if (due <= now.getTime()) reasons.push('overdue');
        else if (due - now.getTime() <= DAY_MS) reasons.push('due-soon');
      }
      if (entry.deliveredSeq < entry.changeSeq && Date.parse(entry.changedAt) + SETTLE_MS <= now.getTime()) reasons.push('change-undelivered');
      const output = 'output' in state ? state.output : undefined;
      flows.push({
        kind: entry.kind,
        instanceId: entry.instanceId,
        tenantId: entry.tenantId ?? null,
        region: entry.region,
        deadline: entry.deadline ?? null,
        dueAt: entry.dueAt ?? null,
        instanceStatus: state.status,
        nextStepAt,
        lastError:
          state.status === 'Failed' && output !== undefined && output !== null
            ? String(scrubValue(typeof output === 'string' ? output : JSON.stringify(output))).slice(0, 300)
            : null,
        repairs: entry.repairs,
        attention: reasons.length > 0,
        reasons,
      });
    }
  }
  // Soonest due first; flows without a due instant last.
  return flows.sort((a, b) => (a.dueAt ?? '9999').localeCompare(b.dueAt ?? '9999') || a.instanceId.localeCompare(b.instanceId));
}
