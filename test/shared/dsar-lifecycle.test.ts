// The DSAR lifecycle table, checked exhaustively: every status against every action, with the
// expected outcome written out here independently of the table in shared/dsars/lifecycle.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canTransition,
  clockRuns,
  DSAR_ACTIONS,
  DSAR_STATUSES,
  initialStatus,
  InvalidTransitionError,
  isOpen,
  transition,
  type DsarAction,
  type DsarStatus,
} from '../../shared/dsars/lifecycle.js';

/** Every allowed move as "from action to"; every other pair must be refused. */
const ALLOWED = new Map<string, DsarStatus>(
  [
    'received evidence-received received',
    'awaiting-identity evidence-received awaiting-identity',
    'in-progress evidence-received in-progress',
    'extended evidence-received extended',
    'received extend extended',
    'received request-identity awaiting-identity',
    'received request-clarification awaiting-clarification',
    'received begin-fulfilment in-progress',
    'received refuse refused',
    'received cancel cancelled',
    'received escalate received',
    'received link-duplicate received',
    'awaiting-identity identity-received received',
    'awaiting-identity refuse refused',
    'awaiting-identity cancel cancelled',
    'awaiting-identity link-duplicate awaiting-identity',
    'awaiting-identity close-unverified not-verified',
    'awaiting-clarification clarification-received in-progress',
    'awaiting-clarification evidence-received awaiting-clarification',
    'awaiting-clarification refuse refused',
    'awaiting-clarification cancel cancelled',
    'awaiting-clarification close-unverified not-verified',
    'awaiting-clarification link-duplicate awaiting-clarification',
    'in-progress extend extended',
    'in-progress request-identity awaiting-identity',
    'in-progress request-clarification awaiting-clarification',
    'in-progress begin-fulfilment in-progress',
    'in-progress complete completed',
    'in-progress refuse refused',
    'in-progress cancel cancelled',
    'in-progress escalate in-progress',
    'in-progress link-duplicate in-progress',
    'extended request-clarification awaiting-clarification',
    'extended begin-fulfilment extended',
    'extended complete completed',
    'extended refuse refused',
    'extended cancel cancelled',
    'extended escalate extended',
    'extended link-duplicate extended',
    'completed lift-restriction completed',
  ].map((line) => {
    const [from, action, to] = line.split(' ') as [DsarStatus, DsarAction, DsarStatus];
    return [`${from} ${action}`, to];
  }),
);

describe('DSAR lifecycle', () => {
  it('has the statuses of the contract, with the waits for the person and the not-verified closure', () => {
    assert.deepEqual([...DSAR_STATUSES].sort(), [
      'awaiting-clarification',
      'awaiting-identity',
      'cancelled',
      'completed',
      'extended',
      'in-progress',
      'not-verified',
      'received',
      'refused',
    ]);
  });

  it('the retired pause action is allowed from no status', () => {
    assert.deepEqual(DSAR_STATUSES.filter((s) => canTransition(s, 'pause')), []);
  });

  for (const from of DSAR_STATUSES) {
    for (const action of DSAR_ACTIONS) {
      const expected = ALLOWED.get(`${from} ${action}`);
      it(expected ? `${from} --${action}--> ${expected}` : `${from} refuses ${action} with a 409`, () => {
        assert.equal(canTransition(from, action), expected !== undefined);
        if (expected) {
          assert.equal(transition(from, action), expected);
          return;
        }
        assert.throws(
          () => transition(from, action),
          (error: unknown) => {
            assert.ok(error instanceof InvalidTransitionError);
            assert.equal(error.status, 409);
            assert.equal(error.code, 'DSAR.INVALID_TRANSITION');
            assert.match(error.message, new RegExp(`^A request that is ${from} cannot `));
            return true;
          },
        );
      });
    }
  }

  it('starts awaiting identity only when identity evidence was asked for', () => {
    assert.equal(initialStatus(true), 'awaiting-identity');
    assert.equal(initialStatus(false), 'received');
  });

  it('is open until completed, refused, cancelled or closed as not verified, and the clock runs only while not waiting on the person', () => {
    const open = DSAR_STATUSES.filter(isOpen);
    assert.deepEqual(open, ['received', 'awaiting-identity', 'awaiting-clarification', 'in-progress', 'extended']);
    assert.deepEqual(DSAR_STATUSES.filter(clockRuns), ['received', 'in-progress', 'extended']);
  });

  it('says why a refused move is refused', () => {
    assert.match(new InvalidTransitionError('awaiting-identity', 'begin-fulfilment').message, /record the identity evidence first/);
    assert.match(new InvalidTransitionError('awaiting-clarification', 'begin-fulfilment').message, /record the clarification first/);
    assert.match(new InvalidTransitionError('extended', 'extend').message, /already extended, and can be only once/);
    assert.match(new InvalidTransitionError('cancelled', 'refuse').message, /it is closed/);
  });

  it('lets no closed request reopen', () => {
    for (const from of DSAR_STATUSES.filter((s) => !isOpen(s))) {
      for (const action of DSAR_ACTIONS) if (canTransition(from, action)) assert.equal(isOpen(transition(from, action)), false);
    }
  });
});
