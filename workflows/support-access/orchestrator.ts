// A support grant's life (human interaction: the tenant's decision raced against its deadline):
// the contacts are told of the request (or at once of break-glass access), the request lapses if
// nobody decides within 24 hours, an active grant ends at its expiry unless revoked first, and the
// contacts are told it ended. The timers only do this bookkeeping and the notices: every request
// checks the grant's expiry against the clock itself, so a timer that fires late opens nothing.
import { z } from 'zod';
import { caller, defineOrchestration, eventBefore, EventWaiter, showPhase } from '../kit/index.js';
import { GRANT_PHASES } from '../../shared/support-access/grant.js';
import { grantRefSchema, notifyContacts, settleGrant } from './activities.js';
import { SUPPORT_GRANT_RETRY } from './retry.js';

/** Raised after any change of the grant's record (approve, deny, revoke): the workflow reads it again. */
export const GRANT_CHANGED_EVENT = 'grantChanged';

export const SUPPORT_GRANT_ORCHESTRATOR = 'supportGrant';
defineOrchestration(SUPPORT_GRANT_ORCHESTRATOR, {
  input: grantRefSchema,
  output: z.object({ status: z.enum(GRANT_PHASES.phases) }),
  body: function* (context, ref) {
    const call = caller(context, SUPPORT_GRANT_RETRY);
    const changed = new EventWaiter(context, GRANT_CHANGED_EVENT);
    const settle = () => call(settleGrant, { ...ref, asOf: context.df.currentUtcDateTime.toISOString() });
    const notify = (kind: 'requested' | 'break-glass' | 'ended') => call(notifyContacts, { ...ref, instanceId: context.df.instanceId, kind });

    let grant = yield* settle();
    if (grant.status === 'pending') yield* notify('requested');
    else if (grant.status === 'active' && grant.emergency) yield* notify('break-glass');
    const wasActive = () => grant.status === 'active';
    let everActive = wasActive();
    while (grant.wakeAt) {
      showPhase(context, GRANT_PHASES, grant.status, { until: grant.wakeAt });
      if (yield* eventBefore(context, changed, new Date(grant.wakeAt))) changed.renew();
      grant = yield* settle();
      everActive ||= wasActive();
    }
    // A denied request needs no notice (the tenant decided it); a lapsed request or an ended grant does.
    if (grant.status !== 'denied' && (everActive || grant.status === 'expired')) yield* notify('ended');
    showPhase(context, GRANT_PHASES, grant.status);
    return { status: grant.status };
  },
});
