// The attack replay of `npm run attack`, inside `npm test`: every attack of the security review
// must hold against the local host running on production defaults.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { AttackTarget } from './target.js';
import { ATTACKS } from './attacks.js';
import { runAttack } from './replay.js';

describe('attack replay (npm run attack)', () => {
  let system: LocalSystem;
  let target: AttackTarget;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true, productionLimits: true });
    target = await AttackTarget.open(system.url, system.stateDir);
  });
  after(async () => {
    await system?.stop();
  });

  for (const attack of ATTACKS) {
    test(`[${attack.finding}] ${attack.id}: ${attack.expected}`, async () => {
      const row = await runAttack(target, attack);
      assert.ok(row.held, `${attack.attack}\nexpected: ${row.expected}\nobserved: ${row.observed}`);
    });
  }
});
