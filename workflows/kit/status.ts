// The custom status a workflow shows (GET .../instances/{id}): the flow, its phase named by the
// flow's phase table (shared/flows/phase-table.ts), which the flow's record stores too, and a few
// ids, states or instants. Never personal data.
import type { OrchestrationContext } from 'durable-functions';
import type { PhaseTable } from '../../shared/flows/phase-table.js';

export type StatusDetails = Record<string, string | number | boolean | undefined>;

/** Sets the custom status to the flow's name and `details` (undefined values left out). */
export function showStatus(context: OrchestrationContext, flow: string, details: StatusDetails): void {
  const shown: Record<string, string | number | boolean> = { flow };
  for (const [key, value] of Object.entries(details)) if (value !== undefined) shown[key] = value;
  context.df.setCustomStatus(shown);
}

/** The flow's phase, from its table, with a few details. */
export function showPhase<P extends string>(context: OrchestrationContext, table: PhaseTable<P>, phase: P, details: StatusDetails = {}): void {
  showStatus(context, table.flow, { phase, ...details });
}
