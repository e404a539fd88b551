// Which contacts are former and since when, and what is left of a history entry once their details
// are removed: pure logic of the configuration history's retention rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigValues } from '../../shared/tenants/configuration.js';
import { formerContactsLeftAt, withoutExpired } from '../../shared/tenants/former-contacts.js';

const c = (email: string) => ({ name: `Name of ${email}`, email });
const change = (month: string, before: ConfigValues, after: ConfigValues) =>
  ({ at: `2030-${month}-01T00:00:00.000Z`, content: { reason: 'r', before, after } });
const people = (security: string[], privacy: string[]) => ({ contacts: { security: security.map(c), privacy: privacy.map(c) } });

describe('former contacts in configuration history', () => {
  test('a contact leaves when a change has them before and nowhere after; moving to another role or being nominated now is not leaving', () => {
    const changes = [
      change('01', {}, { ...people(['a@x.test'], ['b@x.test']), adminNotificationContacts: ['d@x.test'] }),
      // a moves from security to privacy: still nominated.
      change('02', people(['a@x.test'], ['b@x.test']), people(['c@x.test'], ['A@x.test'])),
      change('03', { adminNotificationContacts: ['d@x.test'] }, { adminNotificationContacts: [] }),
      // d comes back as an admin and leaves again later: the later departure counts.
      change('04', { adminNotificationContacts: [] }, { adminNotificationContacts: ['d@x.test'] }),
      change('05', { adminNotificationContacts: ['D@x.test'] }, { adminNotificationContacts: [] }),
    ];
    const left = formerContactsLeftAt(changes, new Set(['a@x.test', 'c@x.test']));
    assert.deepEqual(Object.fromEntries(left), { 'b@x.test': '2030-02-01T00:00:00.000Z', 'd@x.test': '2030-05-01T00:00:00.000Z' });
  });

  test('removal keeps the shape of the entry (how many contacts, which role) and everything not expired', () => {
    const values = { name: 'Acme', ...people(['a@x.test'], ['B@x.test', 'e@x.test']), adminNotificationContacts: ['b@x.test', 'f@x.test'] };
    assert.deepEqual(withoutExpired(values, new Set(['b@x.test'])), {
      name: 'Acme',
      contacts: { security: [c('a@x.test')], privacy: [{ name: null, email: null }, c('e@x.test')] },
      adminNotificationContacts: [null, 'f@x.test'],
    });
    assert.equal(withoutExpired(values, new Set(['z@x.test'])), undefined, 'nothing to remove: nothing to write');
    assert.equal(withoutExpired(withoutExpired(values, new Set(['b@x.test']))!, new Set(['b@x.test'])), undefined, 'a second sweep changes nothing');
  });
});
