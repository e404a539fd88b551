// The custom status a workflow shows (GET .../instances/{id}): its flow's phase, named by the flow's
// phase table (shared/flows/phase-table.ts), which the flow's record stores too, and a few ids or
// instants. Never personal data.
import type { OrchestrationContext } from 'durable-functions';
import type { PhaseTable } from '../../shared/flows/phase-table.js';

export type StatusDetails = Record<string, string | number | boolean | undefined>;

export function showPhase<P extends string>(context: OrchestrationContext, table: PhaseTable<P>, phase: P, details: StatusDetails = {}): void {
  const shown: Record<string, string | number | boolean> = { flow: table.flow, phase };
  for (const [key, value] of Object.entries(details)) if (value !== undefined) shown[key] = value;
  context.df.setCustomStatus(shown);
}
