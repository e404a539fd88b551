// The deletion certificate as a document a person can read: served as a PDF to a caller who asks
// for one (JSON stays the default), attached with the signed JWS to the certificate emails, and
// stating in words the same facts the JWS signs. The text is extracted with pdf.js, as a reader would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';
import { pdfText, states } from '../support/pdf-text.js';

interface SignedClaims {
  jti: string;
  iat: number;
  kind: string;
  tenant: { tenantId: string; name: string; region: string };
  termination: { terminationId: string; requestedAt: string; effectiveAt: string; disposition: string };
  deletion: { startedAt: string; completedAt: string; stores: { store: string; items: number; byType: Record<string, number> }[] };
  keyDestruction: { key: string; vault: string; steps: { step: string; status: string; at: string }[] };
  backups: { expireAt: string; status: string; retentionDays: number };
  deletionLog: { entries: number; sha256: string };
  stores: { store: string; deleted: number | null; remaining: number | null }[];
  subProcessors: { name: string; retentionDays: number }[];
  outstanding: string[];
  checkedAt: string;
  statement: string;
}

const payloadOf = (jws: string): SignedClaims => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as SignedClaims;
const kidOf = (jws: string): string => (JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** Every fact the JWS signs that the document must state in words. */
function signedFacts(jws: string): string[] {
  const c = payloadOf(jws);
  return [
    `Certificate id: ${c.jti}`,
    `Signed with key id: ${kidOf(jws)} (algorithm ES256)`,
    `SHA-256 of the signed certificate (JWS): ${sha256(jws)}`,
    `Tenant: ${c.tenant.name}`,
    `Tenant id: ${c.tenant.tenantId}`,
    `Region: ${c.tenant.region}`,
    `Termination id: ${c.termination.terminationId}`,
    `Requested at: ${c.termination.requestedAt}`,
    `Effective at: ${c.termination.effectiveAt}`,
    `Disposition: ${c.termination.disposition}`,
    `Primary deletion started at ${c.deletion.startedAt} and completed at ${c.deletion.completedAt}.`,
    ...c.deletion.stores.map((s) => `Deleted ${s.items} items from ${s.store}`),
    ...c.deletion.stores.flatMap((s) => Object.entries(s.byType).map(([type, n]) => `${n} ${type}`)),
    `Deletion log: ${c.deletionLog.entries} entries, SHA-256 ${c.deletionLog.sha256}.`,
    `Tenant key ${c.keyDestruction.key} in vault ${c.keyDestruction.vault}`,
    ...c.keyDestruction.steps.map((s) => `Step ${s.step}: ${s.status}${s.at ? ` at ${s.at}` : ''}.`),
    `Encrypted backups: ${c.backups.status}; they expire at ${c.backups.expireAt} (${c.backups.retentionDays}-day retention).`,
    `Every store, as checked at ${c.checkedAt}`,
    ...c.stores.map((s) => `${s.store}: deleted ${s.deleted ?? 'nothing (not deleted by this workflow)'}; found remaining ${s.remaining ?? 'not counted'};`),
    ...c.subProcessors.map((s) => `${s.name}:`),
    ...c.subProcessors.map((s) => `retention ${s.retentionDays} days`),
    ...c.outstanding.map((o) => `Outstanding: ${o}`),
    c.statement,
    `GET /api/.well-known/jwks.json: take the key whose kid is ${kidOf(jws)}`,
  ];
}

describe('the deletion certificate as a PDF', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  async function certificatePdf(tenant: TenantFixture): Promise<{ bytes: Buffer; text: string }> {
    const path = `/api/tenants/${tenant.tenantId}/deletion-certificate`;
    const response = await system.request<Buffer>('GET', path, { token: tenant.adminToken, headers: { accept: 'application/pdf' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.equal(response.body.subarray(0, 5).toString(), '%PDF-');
    return { bytes: response.body, text: await pdfText(response.body) };
  }

  async function certificateJws(tenant: TenantFixture, accept?: string): Promise<string> {
    const response = await system.request<{ certificate: string }>('GET', `/api/tenants/${tenant.tenantId}/deletion-certificate`, {
      token: tenant.adminToken,
      ...(accept ? { headers: { accept } } : {}),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return response.body.certificate;
  }

  test('the PDF states every signed fact of the interim and the final certificate, and the emails attach it with the JWS', async () => {
    const tenant = await provisionTenant(system, { name: 'Readable Proof Ltd' });
    const user = await createUser(system, tenant);
    await createRecord(system, tenant, 'shift-logs', { subjectUserId: user.userId, data: { shift: 'night', notes: 'handover done' } });
    const waiver = { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Readable Proof Ltd' };
    const requested = await system.post(`/api/tenants/${tenant.tenantId}/termination`, waiver, tenant.adminToken);
    assert.equal(requested.status, 202, JSON.stringify(requested.body));
    await system.settle();
    await system.advance('PT1H');

    const interim = await certificateJws(tenant);
    assert.equal(payloadOf(interim).kind, 'interim');
    assert.equal(await certificateJws(tenant, 'application/json, application/pdf;q=0.5'), interim, 'JSON wins when the caller prefers it');
    const interimPdf = await certificatePdf(tenant);
    assert.ok(states(interimPdf.text, 'Deletion certificate (interim)'));
    for (const fact of signedFacts(interim)) assert.ok(states(interimPdf.text, fact), `the interim PDF states: ${fact}`);
    assert.equal((await certificatePdf(tenant)).bytes.equals(interimPdf.bytes), true, 'the same certificate renders to the same bytes');

    await system.advance('P8D');
    await system.advance('P23D');
    const final = await certificateJws(tenant);
    assert.equal(payloadOf(final).kind, 'final');
    const finalPdf = await certificatePdf(tenant);
    assert.ok(states(finalPdf.text, 'Final deletion certificate'));
    for (const fact of signedFacts(final)) assert.ok(states(finalPdf.text, fact), `the final PDF states: ${fact}`);
    assert.ok(states(finalPdf.text, 'Nothing outstanding.'));

    const outbox = await system.outbox();
    for (const [kind, jws, pdf] of [['interim', interim, interimPdf.bytes], ['final', final, finalPdf.bytes]] as const) {
      const mails = outbox.filter((m) => m.subject.startsWith(`Deletion certificate (${kind})`));
      assert.equal(mails.length, 2, `the ${kind} certificate goes to each contact`);
      for (const mail of mails) {
        const attached = mail.attachments ?? [];
        assert.deepEqual(attached.map((a) => a.contentType).sort(), ['application/jose', 'application/pdf']);
        assert.equal(attached.find((a) => a.contentType === 'application/pdf')!.sha256, sha256(pdf), `the ${kind} email attaches the PDF the API serves`);
        assert.equal(attached.find((a) => a.contentType === 'application/jose')!.sha256, sha256(jws), `the ${kind} email attaches the signed JWS`);
      }
    }
  });
});
