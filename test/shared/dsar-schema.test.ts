// The DSAR request schemas: each bad field is named, jurisdictions are checked by the deadline module.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDsarSchema, pauseSchema } from '../../shared/dsars/dsar.js';

const valid = { type: 'access', subject: { email: 'sam@example.test' }, receivedAt: '2031-03-03T10:00:00+01:00', jurisdiction: 'GB-SCT' };

function paths(
  input: unknown,
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } } = createDsarSchema,
): string[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, 'expected the input to be refused');
  return result.error!.issues.map((i) => i.path.map(String).join('.'));
}

describe('DSAR request schema', () => {
  it('accepts a minimal request and defaults identityRequired to false', () => {
    const parsed = createDsarSchema.parse(valid);
    assert.equal(parsed.identityRequired, false);
    assert.equal(parsed.jurisdiction, 'GB-SCT');
  });

  it('names each bad field', () => {
    assert.deepEqual(paths({ ...valid, type: 'deletion' }), ['type']);
    assert.deepEqual(paths({ ...valid, subject: {} }), ['subject']);
    assert.deepEqual(paths({ ...valid, subject: { userId: 'bob' } }), ['subject.userId']);
    assert.deepEqual(paths({ ...valid, subject: { email: 'not-an-email' } }), ['subject.email']);
    assert.deepEqual(paths({ ...valid, receivedAt: '2031-03-03T10:00:00' }), ['receivedAt'], 'an instant without an offset');
    assert.deepEqual(paths({ ...valid, receivedAt: '2031-02-29T10:00:00Z' }), ['receivedAt'], 'an impossible date');
    assert.deepEqual(paths({ ...valid, jurisdiction: 'US' }), ['jurisdiction']);
    assert.deepEqual(paths({ ...valid, jurisdiction: 'GB' }), ['jurisdiction'], 'a UK request names its nation');
    assert.deepEqual(paths({ ...valid, identityRequired: 'yes' }), ['identityRequired']);
    assert.deepEqual(paths({ ...valid, colour: 'blue' }), ['']);
  });

  it('uses the deadline module to explain an unknown jurisdiction', () => {
    const result = createDsarSchema.safeParse({ ...valid, jurisdiction: 'XX' });
    assert.match(result.error!.issues[0]!.message, /Unknown jurisdiction "XX": use GB-ENG, GB-WLS, GB-SCT, GB-NIR/);
  });

  it('needs changes for a rectification and refuses them for anything else', () => {
    assert.deepEqual(paths({ ...valid, type: 'rectification' }), ['changes']);
    assert.deepEqual(paths({ ...valid, changes: { name: 'Sam' } }), ['changes']);
    assert.deepEqual(paths({ ...valid, type: 'rectification', changes: {} }), ['changes']);
    assert.deepEqual(paths({ ...valid, type: 'rectification', changes: { email: 'nope' } }), ['changes.email']);
    assert.equal(createDsarSchema.safeParse({ ...valid, type: 'rectification', changes: { name: 'Sam Smith', department: null } }).success, true);
  });

  it('refuses a pause that ends before it starts, or is not a calendar date', () => {
    assert.deepEqual(paths({ from: '2031-03-10', to: '2031-03-09' }, pauseSchema), ['to']);
    assert.deepEqual(paths({ from: '2031-03-10T00:00:00Z', to: '2031-03-12' }, pauseSchema), ['from']);
  });
});
