// Every infrastructure check, in one list: test/infra/bicep.test.ts runs them on infra/, and
// test/infra/bicep-breakage.test.ts runs them on broken copies and expects failures.
import type { Check } from '../infra.js';
import { languageChecks } from './language.js';
import { operationsChecks, wordingCheck } from './operations.js';
import { settingsAndResidencyChecks } from './settings-and-residency.js';
import { storesAndIdentityChecks } from './stores-and-identity.js';
import { retentionChecks } from './retention.js';

export const INFRA_CHECKS: readonly Check[] = [
  ...languageChecks,
  ...settingsAndResidencyChecks,
  ...storesAndIdentityChecks,
  ...operationsChecks,
  ...retentionChecks,
  wordingCheck,
];

/** Names of the checks that fail on a folder of templates, with the first line of each failure. */
export function failingChecks(infra: import('../infra.js').Infra): Map<string, string> {
  const failures = new Map<string, string>();
  for (const check of INFRA_CHECKS) {
    try {
      check.run(infra);
    } catch (error) {
      failures.set(check.name, (error instanceof Error ? error.message : String(error)).split('\n')[0]!);
    }
  }
  return failures;
}
