// Every attack of the security review (issue 11), replayable against a running local host: each
// states what a secure system answers and reports what this one did. Findings are numbered as in
// the issue; an attack "holds" when the system answered as expected.
import { randomUUID } from 'node:crypto';
import { opsToken, tenantBody } from './fixtures.js';
import type { AttackTarget } from './target.js';

export interface AttackOutcome {
  held: boolean;
  observed: string;
}

export interface Attack {
  id: string;
  finding: string;
  attack: string;
  expected: string;
  run(target: AttackTarget): Promise<AttackOutcome>;
}

const count = (values: (string | number)[]): string =>
  Object.entries(values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {}))
    .map(([v, n]) => `${n}x${v}`)
    .join(' ');

export const ATTACKS: Attack[] = [
  {
    id: 'provisioning-race',
    finding: '1',
    attack: '8 concurrent POST /api/tenants with one Idempotency-Key and body, then users created and read back',
    expected: 'one tenant: one 201 and 7 replays of it; tenant and users readable',
    async run(target) {
      const ops = await opsToken(target);
      const headers = { 'idempotency-key': `attack-provision-${randomUUID()}` };
      const body = tenantBody(randomUUID().slice(0, 8));
      const answers = await Promise.all(Array.from({ length: 8 }, () => target.request<{ tenantId?: string }>('POST', '/api/tenants', { token: ops, body, headers })));
      const ids = new Set(answers.map((a) => a.body.tenantId));
      const originals = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') !== 'true').length;
      const tenantId = answers.find((a) => a.body.tenantId)?.body.tenantId;
      let readable = 'no tenant';
      if (tenantId) {
        const admin = await target.token({ sub: `admin-${tenantId}`, roles: ['tenant.admin'], tid: tenantId });
        const reads: number[] = [(await target.request('GET', `/api/tenants/${tenantId}`, { token: admin })).status];
        for (let i = 0; i < 3; i++) {
          const created = await target.request<{ userId: string }>('POST', `/api/tenants/${tenantId}/users`, { token: admin, body: { name: `Racer ${i}`, email: `racer${i}.${randomUUID().slice(0, 6)}@victim.test` } });
          reads.push(created.status === 201 ? (await target.request('GET', `/api/tenants/${tenantId}/users/${created.body.userId}`, { token: admin })).status : created.status);
        }
        readable = `reads ${count(reads)}`;
      }
      const held = answers.every((a) => a.status === 201) && ids.size === 1 && originals === 1 && readable === 'reads 4x200';
      return { held, observed: `${count(answers.map((a) => a.status))}; ${ids.size} tenant id(s); ${originals} original(s); ${readable}` };
    },
  },
];

