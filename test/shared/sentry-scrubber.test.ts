// Error events leave the process without personal data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorEvent } from '@sentry/node';
import { scrubEvent } from '../../shared/observability/sentry.js';

test('emails, names, tokens, bodies, headers and user details are removed from events', () => {
  const event = {
    type: undefined,
    message: 'failed to notify dpo@customer.test with Bearer eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl',
    exception: { values: [{ type: 'Error', value: 'lookup of jane.doe@example.org failed' }] },
    request: {
      method: 'POST',
      url: 'https://api/x?email=a@b.test',
      data: { name: 'Jane Doe' },
      headers: { authorization: 'Bearer abc' },
      cookies: { en_session: 'x' },
    },
    user: { id: 'u-1', email: 'jane.doe@example.org', username: 'jane' },
    extra: { contacts: [{ name: 'Jane' }], tenantId: 't-uks-aaaaaaaaaaaaaaaaaaaa', note: 'call +44 or jane@x.test' },
    breadcrumbs: [{ message: 'sent to jane@x.test' }],
  } as unknown as ErrorEvent;
  const scrubbed = JSON.stringify(scrubEvent(event));
  for (const secret of [
    'dpo@customer.test',
    'jane.doe@example.org',
    'jane@x.test',
    'Jane Doe',
    'eyJhbGciOi',
    'Bearer abc',
    'en_session',
    'a@b.test',
    '"jane"',
  ]) {
    assert.ok(!scrubbed.includes(secret), `${secret} removed`);
  }
  assert.ok(scrubbed.includes('t-uks-aaaaaaaaaaaaaaaaaaaa'), 'non-personal context survives');
  assert.ok(scrubbed.includes('https://api/x'), 'the route survives without its query');
});
