// Well-formed tenant ids in bulk, for fan-outs to many tenants (tests and benchmarks).
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The UK South tenant id numbered `i` (distinct for every i below 32^20). */
export function tenantIdFor(i: number): string {
  let body = '';
  for (let n = i, k = 0; k < 20; k++, n = Math.floor(n / 32)) body = BASE32[n % 32]! + body;
  return `t-uks-${body}`;
}
