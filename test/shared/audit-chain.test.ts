// The audit hash chain detects any edit, removal or reordering, and does not depend on key order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, ChainVerifier, GENESIS_HASH, sealEntry, type AuditEntry } from '../../shared/audit/chain.js';

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const entry = sealEntry({ tenantId: 't-uks-aaaaaaaaaaaaaaaaaaaa', seq, at: `2026-01-01T00:00:0${seq}.000Z`, actor: { sub: 'a', roles: ['tenant.admin'] }, action: 'user.created', target: { type: 'user', id: `u${seq}` }, outcome: 'success', requestId: `r${seq}`, details: null, prevHash });
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

function verify(entries: AuditEntry[], head = { seq: 5, hash: chain(5)[4]!.hash }): ReturnType<ChainVerifier['finish']> {
  const verifier = new ChainVerifier('t-uks-aaaaaaaaaaaaaaaaaaaa');
  entries.forEach((e) => verifier.add(e));
  return verifier.finish(head);
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

test('canonical JSON ignores key order and undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }), '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
});
