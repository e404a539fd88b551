// The lifecycle of a data-subject request: the one place that says which status a request can be
// in and what each action does to it (as in Ethyca Fides, one explicit state machine rather than
// status strings scattered through the code). Pure: no I/O. An action the table does not allow is a
// 409 with the stable code DSAR.INVALID_TRANSITION.
import { ConflictError } from '../errors.js';

export const DSAR_STATUSES = [
  'received',
  'awaiting-identity',
  'awaiting-clarification',
  'in-progress',
  'extended',
  'completed',
  'refused',
  'cancelled',
  'not-verified',
] as const;
export type DsarStatus = (typeof DSAR_STATUSES)[number];

export const DSAR_ACTIONS = [
  /** Identity evidence the organisation asked for has arrived: the clock restarts. */
  'identity-received',
  /** A fee or proof of an agent's authority that was asked for has arrived: the clock restarts too. */
  'evidence-received',
  /** Extended by two further months (complex or numerous requests), with reasons. */
  'extend',
  /** Retired (410): pauses recorded after the fact. Kept so older requests' history still reads. */
  'pause',
  /** Identity evidence asked for after intake: the clock stops, and restarts from its receipt. */
  'request-identity',
  /** UK access requests (Art 12A): clarification asked for; the clock pauses from that day. */
  'request-clarification',
  /** The clarification arrived: the clock runs again, the paused days not counted. */
  'clarification-received',
  /** Identity or clarification never came within the period allowed: closed as not verified. */
  'close-unverified',
  /** Fulfilment asked for: the workflow now carries it out. */
  'begin-fulfilment',
  /** Fulfilment done and the outcome recorded: the request is answered. */
  'complete',
  /** Refused (manifestly unfounded or excessive, identity not provided, an exemption), with reasons. */
  'refuse',
  /** Withdrawn by the data subject, or recorded in error. */
  'cancel',
  /** The deadline passed unanswered: the workflow escalated it. */
  'escalate',
  /** Another submission of the same request was linked to this one. */
  'link-duplicate',
  /** A completed restriction is lifted: processing of the person's data may resume. */
  'lift-restriction',
] as const;
export type DsarAction = (typeof DSAR_ACTIONS)[number];

/**
 * Every allowed transition; anything absent is refused. `extended` is "in progress with the
 * deadline extended": fulfilment may begin or run in it without losing that fact. A request that is
 * completed, refused or cancelled is closed; the only thing that still happens to a completed one is
 * lifting a restriction it imposed.
 */
const TRANSITIONS: { readonly [S in DsarStatus]: { readonly [A in DsarAction]?: DsarStatus } } = {
  received: {
    'evidence-received': 'received',
    extend: 'extended',
    'request-identity': 'awaiting-identity',
    'request-clarification': 'awaiting-clarification',
    'begin-fulfilment': 'in-progress',
    refuse: 'refused',
    cancel: 'cancelled',
    escalate: 'received',
    'link-duplicate': 'received',
  },
  'awaiting-identity': {
    // Back to where it was when identity was asked for (received, unless asked while in progress).
    'identity-received': 'received',
    'evidence-received': 'awaiting-identity',
    refuse: 'refused',
    cancel: 'cancelled',
    'close-unverified': 'not-verified',
    'link-duplicate': 'awaiting-identity',
  },
  'awaiting-clarification': {
    // Back to where it was when clarification was asked for.
    'clarification-received': 'in-progress',
    'evidence-received': 'awaiting-clarification',
    refuse: 'refused',
    cancel: 'cancelled',
    'close-unverified': 'not-verified',
    'link-duplicate': 'awaiting-clarification',
  },
  'in-progress': {
    'evidence-received': 'in-progress',
    extend: 'extended',
    'request-identity': 'awaiting-identity',
    'request-clarification': 'awaiting-clarification',
    'begin-fulfilment': 'in-progress',
    complete: 'completed',
    refuse: 'refused',
    cancel: 'cancelled',
    escalate: 'in-progress',
    'link-duplicate': 'in-progress',
  },
  extended: {
    'evidence-received': 'extended',
    'request-clarification': 'awaiting-clarification',
    'begin-fulfilment': 'extended',
    complete: 'completed',
    refuse: 'refused',
    cancel: 'cancelled',
    escalate: 'extended',
    'link-duplicate': 'extended',
  },
  completed: { 'lift-restriction': 'completed' },
  refused: {},
  cancelled: {},
  'not-verified': {},
};

const CLOSED: ReadonlySet<DsarStatus> = new Set(['completed', 'refused', 'cancelled', 'not-verified']);

/** Waiting on the person (identity, or clarification): no reminder or escalation, and closed as not verified if nothing comes. */
export const AWAITING: ReadonlySet<DsarStatus> = new Set(['awaiting-identity', 'awaiting-clarification']);

/** Where a request returns to when what it waited for arrives. */
export const RESUMABLE = ['received', 'in-progress', 'extended'] as const satisfies readonly DsarStatus[];

export class InvalidTransitionError extends ConflictError {
  constructor(
    readonly from: DsarStatus,
    readonly action: DsarAction,
  ) {
    super('DSAR.INVALID_TRANSITION', `A request that is ${from} cannot ${describe(action)}${hint(from, action)}.`);
  }
}

function describe(action: DsarAction): string {
  switch (action) {
    case 'identity-received':
      return 'receive identity evidence (none was asked for, or it already arrived)';
    case 'evidence-received':
      return 'receive a fee or proof of authority (it is closed)';
    case 'extend':
      return 'be extended';
    case 'pause':
      return 'be paused that way (the pause route is retired: use request-clarification)';
    case 'request-identity':
      return 'be asked for identity evidence';
    case 'request-clarification':
      return 'be paused for clarification';
    case 'clarification-received':
      return 'receive a clarification (none was asked for)';
    case 'close-unverified':
      return 'be closed as not verified (it is not waiting for identity or clarification)';
    case 'begin-fulfilment':
      return 'be fulfilled';
    case 'complete':
      return 'be completed';
    case 'refuse':
      return 'be refused';
    case 'cancel':
      return 'be cancelled';
    case 'escalate':
      return 'be escalated';
    case 'link-duplicate':
      return 'take a duplicate submission';
    case 'lift-restriction':
      return 'have a restriction lifted';
  }
}

function hint(from: DsarStatus, action: DsarAction): string {
  if (from === 'awaiting-identity' && (action === 'begin-fulfilment' || action === 'extend' || action === 'request-clarification')) {
    return ': record the identity evidence first (POST .../identity)';
  }
  if (from === 'awaiting-clarification' && (action === 'begin-fulfilment' || action === 'extend' || action === 'request-identity')) {
    return ': record the clarification first (POST .../clarification)';
  }
  if (from === 'extended' && action === 'extend') return ': it is already extended, and can be only once';
  if (CLOSED.has(from)) return ': it is closed';
  return '';
}

/** The status after `action`, or InvalidTransitionError (409). */
export function transition(from: DsarStatus, action: DsarAction): DsarStatus {
  const to = TRANSITIONS[from][action];
  if (to === undefined) throw new InvalidTransitionError(from, action);
  return to;
}

export function canTransition(from: DsarStatus, action: DsarAction): boolean {
  return TRANSITIONS[from][action] !== undefined;
}

export function initialStatus(identityRequired: boolean): DsarStatus {
  return identityRequired ? 'awaiting-identity' : 'received';
}

/** Open: the request still has to be answered (and holds its duplicate claim). */
export function isOpen(status: DsarStatus): boolean {
  return !CLOSED.has(status);
}

/** The clock runs (reminders and escalation apply) while the request is open and not waiting on the person. */
export function clockRuns(status: DsarStatus): boolean {
  return isOpen(status) && !AWAITING.has(status);
}
