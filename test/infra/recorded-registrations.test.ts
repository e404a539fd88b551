// The production bundle's app chunk registers through a recorder (dev/packaging/recorded-registrations.ts)
// whose records become the manifest the entry replays: what it records, and what it refuses to record
// because a JSON manifest would lose it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, recorded } from '../../dev/packaging/recorded-registrations.js';

test('registrations are recorded in order as data, with the handlers kept by name and hook index, and nothing registered', () => {
  const before = recorded.registrations.length;
  const handler = async (): Promise<{ status: number }> => ({ status: 204 });
  const hook = (): void => undefined;
  app.setup({ enableHttpStream: true });
  app.http('recordedHttp', { route: 'recorded/{id}', methods: ['GET'], authLevel: 'anonymous', handler });
  app.timer('recordedTimer', { schedule: '%SOME_SCHEDULE%', handler });
  app.hook.postInvocation(hook);
  assert.deepEqual(recorded.registrations.slice(before), [
    { kind: 'setup', options: { enableHttpStream: true } },
    { kind: 'function', method: 'http', name: 'recordedHttp', options: { route: 'recorded/{id}', methods: ['GET'], authLevel: 'anonymous' } },
    { kind: 'function', method: 'timer', name: 'recordedTimer', options: { schedule: '%SOME_SCHEDULE%' } },
    { kind: 'hook', hook: 'postInvocation', index: recorded.hooks.length - 1 },
  ]);
  assert.equal(recorded.handlers.get('recordedHttp'), handler);
  assert.equal(recorded.hooks.at(-1), hook);
  assert.deepEqual(JSON.parse(JSON.stringify(recorded.registrations)), recorded.registrations, 'the records survive JSON as they are');
});

test('a registration a manifest could not replay is refused by name and path; so is a second registration of a name', () => {
  const handler = async (): Promise<{ status: number }> => ({ status: 204 });
  assert.throws(
    () => app.generic('withCallback', { trigger: { type: 'custom', name: 'custom', pick: () => 1 } as never, handler }),
    /"withCallback" cannot be replayed from a manifest: options\.trigger\.pick is not plain data/,
  );
  assert.throws(
    () => app.http('withDate', { route: 'x', extraInputs: [{ type: 'x', name: 'x', since: new Date(0) } as never], handler } as never),
    /options\.extraInputs\[0\]\.since is not plain data/,
  );
  app.http('registeredOnce', { route: 'once', handler });
  assert.throws(() => app.http('registeredOnce', { route: 'again', handler }), /can only be registered once/);
});
