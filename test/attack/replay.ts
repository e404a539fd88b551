// Runs the attacks one after another and tabulates what each expected and observed.
import { ATTACKS, type Attack } from './attacks.js';
import type { AttackTarget } from './target.js';

export interface AttackRow {
  id: string;
  finding: string;
  attack: string;
  expected: string;
  observed: string;
  held: boolean;
}

export async function runAttack(target: AttackTarget, attack: Attack): Promise<AttackRow> {
  const { id, finding, expected } = attack;
  try {
    const outcome = await attack.run(target);
    return { id, finding, attack: attack.attack, expected, ...outcome };
  } catch (error) {
    return {
      id,
      finding,
      attack: attack.attack,
      expected,
      held: false,
      observed: `the replay failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

export async function replayAll(target: AttackTarget, only?: (attack: Attack) => boolean): Promise<AttackRow[]> {
  const rows: AttackRow[] = [];
  for (const attack of ATTACKS.filter(only ?? (() => true))) rows.push(await runAttack(target, attack));
  return rows;
}

export function formatTable(rows: AttackRow[]): string {
  const lines = rows.map(
    (r) =>
      `${r.held ? 'held  ' : 'FAILED'} [${r.finding}] ${r.id}\n         attack:   ${r.attack}\n         expected: ${r.expected}\n         observed: ${r.observed}`,
  );
  const failed = rows.filter((r) => !r.held).length;
  return `${lines.join('\n')}\n\n${rows.length - failed} of ${rows.length} attacks held${failed ? `; ${failed} did not` : ''}.`;
}
