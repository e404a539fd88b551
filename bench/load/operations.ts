// The operations the load harness drives, as autocannon requests, and their cost in requests to
// Cosmos DB and Key Vault counted at the stand-ins (dev/platform: the Cosmos stand-in's own count,
// and the fault proxies' count of authenticated Key Vault requests).
import type { RequestSpec } from 'autocannon';
import type { LocalSystem } from '../../test/support/local-system.js';
import type { TenantFixture } from '../../test/support/builders.js';

export const OPERATION_NAMES = ['create-record', 'read-user', 'rectify-user', 'list-DSARs'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** What one connection works on: a tenant, its admin's token, and one user of its own (no If-Match races). */
export interface Slot {
  tenantId: string;
  token: string;
  userId: string;
  etag: string;
}

let rectification = 0;

/** The request of one operation for a slot. */
export function requestOf(operation: OperationName, slot: Slot): { method: string; path: string; headers: Record<string, string>; body?: string } {
  const headers = { authorization: `Bearer ${slot.token}`, 'content-type': 'application/json' };
  const tenant = `/api/tenants/${slot.tenantId}`;
  switch (operation) {
    case 'create-record':
      return {
        method: 'POST',
        path: `${tenant}/modules/shift-logs/records`,
        headers,
        body: JSON.stringify({ subjectUserId: slot.userId, data: { date: '2026-11-02', notes: 'Covered the night shift' } }),
      };
    case 'read-user':
      return { method: 'GET', path: `${tenant}/users/${slot.userId}`, headers };
    case 'rectify-user':
      return {
        method: 'PATCH',
        path: `${tenant}/users/${slot.userId}`,
        headers: { ...headers, 'if-match': slot.etag },
        body: JSON.stringify({ department: `Operations ${++rectification}`, reason: 'Moved team (load run)' }),
      };
    case 'list-DSARs':
      return { method: 'GET', path: `${tenant}/dsars`, headers };
  }
}

/**
 * The operation as an autocannon request. Each request takes a slot no other request in flight
 * holds (autocannon keeps no per-connection state across requests), so rectifications of one user
 * never race: each carries the ETag of the last answer for that user.
 */
export function requestFor(operation: OperationName, slots: readonly Slot[], successes: Map<string, number>): RequestSpec {
  const busy = new Set<Slot>();
  let next = 0;
  return {
    setupRequest: (_request, context) => {
      let slot = slots[next++ % slots.length]!;
      for (let tries = 0; busy.has(slot) && tries < slots.length; tries++) slot = slots[next++ % slots.length]!;
      busy.add(slot);
      context['slot'] = slot;
      return requestOf(operation, slot);
    },
    onResponse: (status, _body, context, headers) => {
      const slot = context['slot'] as Slot;
      if (status >= 200 && status <= 299) {
        successes.set(slot.tenantId, (successes.get(slot.tenantId) ?? 0) + 1);
        if (operation === 'rectify-user' && headers['etag']) slot.etag = headers['etag'];
      }
      busy.delete(slot);
    },
  };
}

interface Counts {
  cosmos: number;
  /** Cosmos requests by kind (metadata, read, query, batch...), as the stand-in classes them. */
  cosmosByKind: Record<string, number>;
  keyVault: number;
}

async function counts(system: LocalSystem): Promise<Counts> {
  let cosmos = 0;
  const cosmosByKind: Record<string, number> = {};
  for (const region of ['uksouth', 'eu']) {
    const stats = (await system.platformControl<{ requests: number; byKind: Record<string, number> }>('GET', `/cosmos/${region}/stats`))!;
    cosmos += stats.requests;
    for (const [kind, count] of Object.entries(stats.byKind)) cosmosByKind[kind] = (cosmosByKind[kind] ?? 0) + count;
  }
  const proxied = (await system.platformControl<Record<string, { authenticated: number }>>('GET', '/requests'))!;
  const keyVault = Object.entries(proxied).filter(([key]) => key.startsWith('keyvault/')).reduce((sum, [, count]) => sum + count.authenticated, 0);
  return { cosmos, cosmosByKind, keyVault };
}

async function resetCounts(system: LocalSystem): Promise<void> {
  for (const region of ['uksouth', 'eu']) await system.platformControl('POST', `/cosmos/${region}/stats/reset`);
  await system.platformControl('POST', '/requests/reset');
}

async function perform(system: LocalSystem, operation: OperationName, slot: Slot): Promise<void> {
  const { method, path, headers, body } = requestOf(operation, slot);
  const response = await fetch(`${system.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${operation} answered ${response.status}`);
  if (operation === 'rectify-user') slot.etag = response.headers.get('etag') ?? slot.etag;
}

/** Published Key Vault limits (learn.microsoft.com/azure/key-vault/general/service-limits), per vault per region per 10 s. */
export const KEY_VAULT_LIMITS = {
  'RSA 3072 software key (tenant keys): unwrap/wrap per 10 s': 1000,
  'RSA 3072 software key: create per 10 s': 20,
  'EC P-256 software key (signing): sign per 10 s': 4000,
} as const;

const WARM_REPEATS = 20;

/**
 * Cosmos DB requests and Key Vault operations of each operation: cold (the first request on a
 * freshly started instance: no cached keys, containers or account metadata) and warm (the mean of
 * the next requests), and per 1,000 warm operations beside Key Vault's published limits. A new
 * instance first runs its start-up pass (the reconciler's once-per-deployment claim, the erasure
 * ledger checks of each region) before any request; that is counted on its own, once.
 */
export async function operationCosts(system: LocalSystem, _tenant: TenantFixture, slot: Slot): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const operation of OPERATION_NAMES) {
    await resetCounts(system);
    await system.crashAndRestartHost();
    await system.settle();
    const startUp = await counts(system);
    if (operation === OPERATION_NAMES[0]) {
      out['instance start-up pass, before any request: Cosmos requests'] = String(startUp.cosmos);
      out['instance start-up pass: Cosmos requests by kind'] = Object.entries(startUp.cosmosByKind).sort().map(([kind, n]) => `${kind} ${n}`).join(', ');
      out['instance start-up pass: Key Vault operations'] = String(startUp.keyVault);
    }
    await resetCounts(system);
    await perform(system, operation, slot);
    const cold = await counts(system);
    await resetCounts(system);
    for (let i = 0; i < WARM_REPEATS; i++) await perform(system, operation, slot);
    const warm = await counts(system);
    const per = (n: number): string => (n / WARM_REPEATS).toFixed(2);
    out[`${operation}: Cosmos requests cold / warm`] = `${cold.cosmos} / ${per(warm.cosmos)}`;
    const byKind = (c: Counts): string => Object.entries(c.cosmosByKind).sort().map(([kind, n]) => `${kind} ${n}`).join(', ');
    out[`${operation}: Cosmos requests by kind, cold`] = byKind(cold);
    out[`${operation}: Key Vault operations cold / warm`] = `${cold.keyVault} / ${per(warm.keyVault)}`;
    const perThousand = (n: number): number => Math.round((n / WARM_REPEATS) * 1000);
    out[`${operation}: per 1,000 warm operations: Cosmos / Key Vault`] = `${perThousand(warm.cosmos)} / ${perThousand(warm.keyVault)}`;
  }
  for (const [limit, value] of Object.entries(KEY_VAULT_LIMITS)) out[`Key Vault limit, ${limit}`] = value.toLocaleString('en-GB');
  return out;
}
