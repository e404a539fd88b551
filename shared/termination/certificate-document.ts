// The deletion certificate as a document a person can read: every signed claim in words (who,
// what, which stores and counts, the key destruction steps, backup expiry, what remains and why,
// the sub-processors' copies) and how to verify the signature. Only the compact JWS is signed; the
// PDF is rendered from it, deterministically (the same certificate always gives the same bytes),
// so the copy attached to the email and the one served by the API are identical.
import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { loadOnce } from '../azure/load-once.js';

export const CERTIFICATE_PDF = 'application/pdf';

// pdfkit (with its fonts and compressors, about a third of the production bundle) is loaded when
// the first certificate is rendered, not when the app starts.
const loadPdfKit = loadOnce(async () => (await import('pdfkit')).default);

/** The claims the certificate signs, as `certificateClaims` writes them (read back loosely: old certificates render too). */
interface Claims {
  jti?: string;
  kind?: string;
  iat?: number;
  tenant?: { tenantId?: string; name?: string; region?: string };
  termination?: Record<string, string | undefined>;
  deletion?: { startedAt?: string; completedAt?: string; stores?: { store: string; method?: string; items: number; byType?: Record<string, number> }[] };
  keyDestruction?: { key?: string; vault?: string; steps?: { step: string; status: string; at?: string }[] };
  backups?: { retentionDays?: number; expireAt?: string; status?: string };
  deletionLog?: { entries?: number; sha256?: string };
  retained?: { what: string; why: string; until: string }[];
  outstanding?: string[];
  stores?: { store: string; deleted: number | null; remaining: number | null; remains: string; why: string }[];
  subProcessors?: { name: string; holds: string; retentionDays: number; note: string }[];
  checkedAt?: string;
  statement?: string;
  workflow?: { instanceId?: string };
}

export interface CertificateForDocument {
  certificate: string;
  claims: Record<string, unknown>;
  issuedAt: string;
}

/** The file names the email and the API give the two forms. */
export function certificateFileNames(claims: Record<string, unknown>): { pdf: string; jws: string } {
  const c = claims as Claims;
  const base = `deletion-certificate-${c.tenant?.tenantId ?? 'tenant'}-${c.kind ?? 'certificate'}`;
  return { pdf: `${base}.pdf`, jws: `${base}.jws` };
}

/** The lines of the document, section by section (pure; the PDF lays them out). */
export function certificateLines(input: CertificateForDocument): { heading: string; lines: string[] }[] {
  const c = input.claims as Claims;
  const { kid, alg } = decodeProtectedHeader(input.certificate);
  const t = c.termination ?? {};
  const sections: { heading: string; lines: string[] }[] = [
    {
      heading: 'Certificate',
      lines: [
        `Kind: ${c.kind === 'final' ? 'final' : 'interim'} deletion certificate`,
        `Certificate id: ${c.jti ?? ''}`,
        `Issued at: ${input.issuedAt}`,
        `Signed with key id: ${kid ?? ''} (algorithm ${alg ?? ''})`,
        `SHA-256 of the signed certificate (JWS): ${createHash('sha256').update(input.certificate).digest('hex')}`,
      ],
    },
    {
      heading: 'Who',
      lines: [`Tenant: ${c.tenant?.name ?? ''}`, `Tenant id: ${c.tenant?.tenantId ?? ''}`, `Region: ${c.tenant?.region ?? ''}`],
    },
    {
      heading: 'Termination',
      lines: [
        `Termination id: ${t['terminationId'] ?? ''}`,
        `Requested at: ${t['requestedAt'] ?? ''}`,
        `Effective at: ${t['effectiveAt'] ?? ''}`,
        `Grace window ended at: ${t['graceEndsAt'] ?? ''}`,
        `Disposition: ${t['disposition'] ?? ''}`,
        ...(t['dataReturnedAt'] ? [`Data returned (package generated) at: ${t['dataReturnedAt']}`] : []),
        `Deletion workflow instance: ${c.workflow?.instanceId ?? ''}`,
      ],
    },
    {
      heading: 'What was deleted',
      lines: [
        `Primary deletion started at ${c.deletion?.startedAt ?? ''} and completed at ${c.deletion?.completedAt ?? ''}.`,
        ...(c.deletion?.stores ?? []).map((s) => {
          const types = Object.entries(s.byType ?? {}).map(([type, n]) => `${n} ${type}`).join(', ');
          return `Deleted ${s.items} items from ${s.store}${s.method ? ` (${s.method})` : ''}${types ? `: ${types}` : ''}.`;
        }),
        `Deletion log: ${c.deletionLog?.entries ?? 0} entries, SHA-256 ${c.deletionLog?.sha256 ?? ''}.`,
      ],
    },
    {
      heading: 'Key destruction',
      lines: [
        `Tenant key ${c.keyDestruction?.key ?? ''} in vault ${c.keyDestruction?.vault ?? ''}:`,
        ...(c.keyDestruction?.steps ?? []).map((s) => `Step ${s.step}: ${s.status}${s.at ? ` at ${s.at}` : ''}.`),
      ],
    },
    {
      heading: 'Backups',
      lines: [`Encrypted backups: ${c.backups?.status ?? ''}; they expire at ${c.backups?.expireAt ?? ''} (${c.backups?.retentionDays ?? ''}-day retention).`],
    },
    {
      heading: `Every store, as checked at ${c.checkedAt ?? ''}`,
      lines: (c.stores ?? []).map(
        (s) =>
          `${s.store}: deleted ${s.deleted ?? 'nothing (not deleted by this workflow)'}; found remaining ${s.remaining ?? 'not counted'}; ` +
          `remains: ${s.remains}; why: ${s.why}.`,
      ),
    },
    {
      heading: 'Copies held by sub-processors (not checked by this workflow)',
      lines: (c.subProcessors ?? []).map((s) => `${s.name}: ${s.holds}; retention ${s.retentionDays} days; ${s.note}.`),
    },
    {
      heading: 'What remains and why',
      lines: [
        ...(c.retained ?? []).map((r) => `Retained: ${r.what}, ${r.why}, until ${r.until}.`),
        ...(c.outstanding ?? []).map((o) => `Outstanding: ${o}`),
        ...((c.retained ?? []).length + (c.outstanding ?? []).length === 0 ? ['Nothing outstanding.'] : []),
      ],
    },
    { heading: 'Statement', lines: [c.statement ?? ''] },
    {
      heading: 'How to verify',
      lines: [
        `This document renders the claims of the signed certificate, a compact JWS (${alg ?? ''}) sent with it and served at ` +
          `GET /api/tenants/${c.tenant?.tenantId ?? '{tenantId}'}/deletion-certificate.`,
        'Anyone can verify its signature with any JOSE library against the public keys published, without a token, at ' +
          `GET /api/.well-known/jwks.json: take the key whose kid is ${kid ?? ''}.`,
        'Only the JWS is signed: where this document and the JWS differ, the JWS is authoritative. ' +
          'The SHA-256 above ties this document to the JWS it was rendered from.',
      ],
    },
  ];
  return sections;
}

/** Renders the certificate as a PDF (deterministic: its dates are the certificate's own). */
export async function renderCertificatePdf(input: CertificateForDocument): Promise<Buffer> {
  const issued = new Date(input.issuedAt);
  const info = { Title: 'Deletion certificate', Producer: 'privacy-ops', Creator: 'privacy-ops', CreationDate: issued, ModDate: issued };
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({ size: 'A4', margin: 56, info });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const c = input.claims as Claims;
  doc.font('Helvetica-Bold').fontSize(16).text(c.kind === 'final' ? 'Final deletion certificate' : 'Deletion certificate (interim)');
  for (const section of certificateLines(input)) {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(11).text(section.heading);
    doc.font('Helvetica').fontSize(9);
    for (const line of section.lines) doc.text(line, { paragraphGap: 2 });
  }
  doc.end();
  return done;
}
