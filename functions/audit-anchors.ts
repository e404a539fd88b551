// Every night, the head of every live tenant's audit log is signed and kept outside its data
// (shared/audit/anchors.ts), so a log cut short later is caught by verification.
import { app, type InvocationContext } from '@azure/functions';
import { getServices } from '../shared/composition.js';
import { anchorAuditHead } from '../shared/audit/anchors.js';
import { listTenantIds } from '../shared/tenants/tenant-service.js';

export async function anchorAuditHeads(_timer: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  let anchored = 0;
  let failed = 0;
  for (const tenantId of await listTenantIds(services)) {
    try {
      if ((await anchorAuditHead(services, tenantId, services.clock.now())) !== undefined) anchored++;
    } catch (error) {
      // One tenant's failure must not stop the others; it is reported and retried the next night.
      failed++;
      context.error(`audit anchor for ${tenantId} failed: ${error instanceof Error ? error.message : 'unknown error'}`);
    }
  }
  context.info(`audit anchors: ${anchored} tenants anchored, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} audit anchors failed`);
}

app.timer('anchorAuditHeads', { schedule: '0 0 2 * * *', handler: anchorAuditHeads });
