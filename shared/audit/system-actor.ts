// Work done by the app itself (a workflow step) is audited under a system actor named after it.
import type { AuditActor } from './chain.js';

export function systemActor(workflow: string): AuditActor {
  return { sub: `system:${workflow}`, roles: [] };
}
