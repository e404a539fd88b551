// The vendor-level security log: refusals that belong to no tenant's log. Requests without a valid
// token (401), throttled requests (429) and refusals on vendor routes are counted per hour, route
// and code in the control container (UK South), with the first few of each hour kept as samples.
// Nobody without a token can write into a tenant's log, and an outsider's flood costs one counter
// increment per request rather than an entry in the victim's chain. No personal data: no addresses,
// no token contents, no subject ids; a sample names the caller's tenant and roles only.
import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { azureStatusOf } from '../azure/rest-error.js';
import type { Principal } from '../auth/principal.js';
import { CONTAINERS, CONTROL_REGION, type CosmosStores } from '../store/cosmos-stores.js';
import { retryLostRaces } from '../store/optimistic.js';
import { storeFailure } from '../store/store-failure.js';

/** Samples kept per hour, route and code; the rest are only counted. */
export const SAMPLES_PER_HOUR = 5;

export interface VendorRefusal {
  at: Date;
  status: number;
  code: string;
  route: string;
  requestId: string;
  principal?: Principal;
}

export interface SecurityCounterDoc {
  id: string;
  pk: string;
  type: 'securityCounter';
  hour: string;
  route: string;
  status: number;
  code: string;
  count: number;
}

export interface SecuritySampleDoc {
  id: string;
  pk: string;
  type: 'securitySample';
  at: string;
  route: string;
  status: number;
  code: string;
  requestId: string;
  callerTenantId?: string;
  callerRoles?: string[];
}

export const securityLogPartition = (day: string): string => `security-log:${day}`;

export const securityLogDaySchema = z
  .object({
    day: z.iso.date(),
    counters: z.array(z.object({ hour: z.string(), route: z.string(), status: z.int(), code: z.string(), count: z.int() })),
    samples: z.array(
      z.object({
        at: z.iso.datetime(),
        route: z.string(),
        status: z.int(),
        code: z.string(),
        requestId: z.string(),
        callerTenantId: z.string().optional(),
        callerRoles: z.array(z.string()).optional(),
      }),
    ),
  })
  .meta({ id: 'SecurityLogDay' });
export type SecurityLogDay = z.infer<typeof securityLogDaySchema>;

export class VendorSecurityLog {
  constructor(private readonly stores: CosmosStores) {}

  /** One UTC day of the log: every counter and every sample, oldest first. */
  async day(day: string): Promise<SecurityLogDay> {
    const container = await this.stores.container(CONTROL_REGION, CONTAINERS.control);
    const pk = securityLogPartition(day);
    const { resources } = await container.items
      .query<SecurityCounterDoc | SecuritySampleDoc>(
        { query: 'SELECT * FROM c WHERE c.pk = @pk', parameters: [{ name: '@pk', value: pk }] },
        { partitionKey: pk },
      )
      .fetchAll()
      .catch((error: unknown) => {
        throw storeFailure(error);
      });
    const own = resources.filter((doc) => doc.pk === pk);
    const counters = own
      .filter((d): d is SecurityCounterDoc => d.type === 'securityCounter')
      .map(({ hour, route, status, code, count }) => ({ hour, route, status, code, count }))
      .sort((a, b) => a.hour.localeCompare(b.hour) || a.route.localeCompare(b.route) || a.code.localeCompare(b.code));
    const samples = own
      .filter((d): d is SecuritySampleDoc => d.type === 'securitySample')
      .map(({ at, route, status, code, requestId, callerTenantId, callerRoles }) => ({
        at,
        route,
        status,
        code,
        requestId,
        ...(callerTenantId ? { callerTenantId } : {}),
        ...(callerRoles ? { callerRoles } : {}),
      }))
      .sort((a, b) => a.at.localeCompare(b.at));
    return { day, counters, samples };
  }

  async record(refusal: VendorRefusal): Promise<void> {
    const container = await this.stores.container(CONTROL_REGION, CONTAINERS.control);
    const hour = refusal.at.toISOString().slice(0, 13);
    const pk = securityLogPartition(hour.slice(0, 10));
    const counterId = `security-counter:${hour}:${refusal.status}:${refusal.code}:${refusal.route}`;
    const count = await increment(container, pk, counterId, () => ({
      id: counterId,
      pk,
      type: 'securityCounter',
      hour,
      route: refusal.route,
      status: refusal.status,
      code: refusal.code,
      count: 1,
    }));
    if (count > SAMPLES_PER_HOUR) return;
    const sample: SecuritySampleDoc = {
      id: `security-sample:${randomUUID()}`,
      pk,
      type: 'securitySample',
      at: refusal.at.toISOString(),
      route: refusal.route,
      status: refusal.status,
      code: refusal.code,
      requestId: refusal.requestId,
      ...(refusal.principal?.tenantId ? { callerTenantId: refusal.principal.tenantId } : {}),
      ...(refusal.principal ? { callerRoles: [...refusal.principal.roles] } : {}),
    };
    await container.items.create(sample);
  }
}

/** Adds one to a counter document (an atomic patch; the first writer creates it). Returns the new count. */
async function increment(container: Container, pk: string, id: string, fresh: () => SecurityCounterDoc): Promise<number> {
  return retryLostRaces(
    async () => {
      try {
        const { resource } = await container.item(id, pk).patch<SecurityCounterDoc>([{ op: 'incr', path: '/count', value: 1 }]);
        return resource?.count ?? 1;
      } catch (error) {
        if (azureStatusOf(error) !== 404) throw error;
      }
      await container.items.create(fresh());
      return 1;
    },
    // Two first writers race to create the counter: the loser (409) increments the winner's.
    { attempts: 10, lostRace: (error) => azureStatusOf(error) === 409 },
  );
}
