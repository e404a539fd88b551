// The audit hash chains detect any edit, removal or reordering, a chain cut short or removed whole,
// and do not depend on key order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, combinedHead, GENESIS_HASH, LogVerifier, sealEntry, type AuditEntry } from '../../shared/audit/chain.js';

const TENANT = 't-uks-aaaaaaaaaaaaaaaaaaaa';

function chain(length: number, name = 'activity:00'): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const entry = sealEntry({
      tenantId: TENANT,
      chain: name,
      seq,
      at: `2026-01-01T00:00:0${seq}.000Z`,
      actor: { sub: 'a', roles: ['tenant.admin'] },
      action: 'user.created',
      target: { type: 'user', id: `u${seq}` },
      outcome: 'success',
      requestId: `r${seq}`,
      details: null,
      prevHash,
    });
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const headOf = (entries: AuditEntry[], name = 'activity:00'): [string, { seq: number; hash: string }] => [
  name,
  { seq: entries.length, hash: entries[entries.length - 1]?.hash ?? GENESIS_HASH },
];

function verify(entries: AuditEntry[], heads: [string, { seq: number; hash: string }][] = [headOf(chain(5))]): ReturnType<LogVerifier['finish']> {
  const verifier = new LogVerifier(TENANT, new Map(heads));
  entries.forEach((e) => verifier.add(e));
  return verifier.finish();
}

test('an intact chain verifies', () => {
  assert.deepEqual(verify(chain(5)), { valid: true, entries: 5 });
});

test('an edited entry is reported at that entry', () => {
  const entries = chain(5);
  entries[2] = { ...entries[2]!, action: 'user.read' };
  assert.deepEqual(verify(entries).firstBreak?.seq, 3);
  assert.equal(verify(entries).firstBreak?.problem, 'altered');
});

test('an entry moved to another chain no longer matches its hash', () => {
  const entries = chain(5);
  entries[2] = { ...entries[2]!, chain: 'activity:01' };
  assert.equal(verify(entries, [headOf(chain(5)), ['activity:01', { seq: 1, hash: entries[2]!.hash }]]).firstBreak?.problem, 'missing');
});

test('an entry re-hashed after editing breaks the link to the next one', () => {
  const entries = chain(5);
  entries[1] = sealEntry({ ...entries[1]!, action: 'user.read' });
  assert.deepEqual({ seq: verify(entries).firstBreak?.seq, problem: verify(entries).firstBreak?.problem }, { seq: 3, problem: 'broken-link' });
});

test('a removed entry is reported as missing, including the last one', () => {
  const entries = chain(5);
  assert.deepEqual(verify([...entries.slice(0, 1), ...entries.slice(2)]).firstBreak?.seq, 2);
  assert.equal(verify(entries.slice(0, 4)).firstBreak?.problem, 'missing');
});

test('several chains verify independently, each against its own head', () => {
  const a = chain(3, 'activity:00');
  const b = chain(4, 'activity:01');
  const s = chain(2, 'security:00');
  const heads = [headOf(a, 'activity:00'), headOf(b, 'activity:01'), headOf(s, 'security:00')];
  assert.deepEqual(verify([...a, ...b, ...s], heads), { valid: true, entries: 9 });
  const cut = verify([...a, ...b.slice(0, 3), ...s], heads);
  assert.deepEqual(
    { chain: cut.firstBreak?.chain, seq: cut.firstBreak?.seq, problem: cut.firstBreak?.problem },
    { chain: 'activity:01', seq: 4, problem: 'missing' },
  );
});

test('a chain removed whole, head kept, is reported; entries without a head are reported', () => {
  const a = chain(3, 'activity:00');
  const b = chain(2, 'activity:01');
  const gone = verify(a, [headOf(a, 'activity:00'), headOf(b, 'activity:01')]);
  assert.deepEqual({ chain: gone.firstBreak?.chain, problem: gone.firstBreak?.problem }, { chain: 'activity:01', problem: 'missing' });
  const headless = verify([...a, ...b], [headOf(a, 'activity:00')]);
  assert.deepEqual({ chain: headless.firstBreak?.chain, problem: headless.firstBreak?.problem }, { chain: 'activity:01', problem: 'head-mismatch' });
});

test('the combined head counts every entry and changes when any chain head changes', () => {
  const one = combinedHead([{ chain: 'activity:00', seq: 3, hash: 'a'.repeat(64) }, { chain: 'security:00', seq: 2, hash: 'b'.repeat(64) }]);
  const reordered = combinedHead([{ chain: 'security:00', seq: 2, hash: 'b'.repeat(64) }, { chain: 'activity:00', seq: 3, hash: 'a'.repeat(64) }]);
  const changed = combinedHead([{ chain: 'activity:00', seq: 3, hash: 'c'.repeat(64) }, { chain: 'security:00', seq: 2, hash: 'b'.repeat(64) }]);
  assert.deepEqual(one, reordered);
  assert.equal(one.seq, 5);
  assert.notEqual(one.hash, changed.hash);
  assert.deepEqual(combinedHead([]), { seq: 0, hash: GENESIS_HASH });
});

test('canonical JSON ignores key order and undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }), '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
});
