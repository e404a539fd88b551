// The lifecycle of a data-subject request: the one place that says which status a request can be
// in and what each action does to it (as in Ethyca Fides, one explicit state machine rather than
// status strings scattered through the code). Pure: no I/O. An action the table does not allow is a
// 409 with the stable code DSAR.INVALID_TRANSITION.
import { ConflictError } from '../errors.js';

export const DSAR_STATUSES = ['received', 'awaiting-identity', 'in-progress', 'extended', 'completed', 'refused', 'cancelled'] as const;
export type DsarStatus = (typeof DSAR_STATUSES)[number];

export const DSAR_ACTIONS = [
  /** Identity evidence the organisation asked for has arrived: the clock restarts. */
  'identity-received',
  /** A fee or proof of an agent's authority that was asked for has arrived: the clock restarts too. */
  'evidence-received',
  /** Extended by two further months (complex or numerous requests), with reasons. */
  'extend',
  /** UK clarification pause recorded (the clock did not run for those days). */
  'pause',
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
    pause: 'received',
    'begin-fulfilment': 'in-progress',
    refuse: 'refused',
    cancel: 'cancelled',
    escalate: 'received',
    'link-duplicate': 'received',
  },
  'awaiting-identity': {
    'identity-received': 'received',
    'evidence-received': 'awaiting-identity',
    refuse: 'refused',
    cancel: 'cancelled',
    'link-duplicate': 'awaiting-identity',
  },
  'in-progress': {
    'evidence-received': 'in-progress',
    extend: 'extended',
    pause: 'in-progress',
    'begin-fulfilment': 'in-progress',
    complete: 'completed',
    refuse: 'refused',
    cancel: 'cancelled',
    escalate: 'in-progress',
    'link-duplicate': 'in-progress',
  },
  extended: {
    'evidence-received': 'extended',
    pause: 'extended',
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
};

const CLOSED: ReadonlySet<DsarStatus> = new Set(['completed', 'refused', 'cancelled']);

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
      return 'be paused for clarification';
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
  if (from === 'awaiting-identity' && (action === 'begin-fulfilment' || action === 'extend' || action === 'pause')) {
    return ': record the identity evidence first (POST .../identity)';
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

/** The clock runs (reminders and escalation apply) once identity is settled, until the request closes. */
export function clockRuns(status: DsarStatus): boolean {
  return isOpen(status) && status !== 'awaiting-identity';
}
