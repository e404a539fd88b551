// Whether a support engineer's access from `origin` is an international transfer from the tenant's
// region, and on what basis: none inside the region's geography (the UK for uksouth, the EEA for
// eu); an adequacy decision where the law of the region has one for the destination; otherwise the
// transfer instrument the vendor signed (UK IDTA or EU SCCs) with the destination's transfer impact
// assessment, both from configuration. Pure.
import { z } from 'zod';
import type { Region } from '../config.js';

export const EEA = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
] as const;

/**
 * Destinations with an adequacy finding, as of 2026 (the US only for organisations certified under
 * the Data Privacy Framework or its UK Extension, which this service does not assume).
 * UK: the Data Protection Act 2018 sch 21 regulations (EEA, Gibraltar) and the adequacy regulations since.
 * EU: the Commission's adequacy decisions under Art 45 GDPR.
 */
const ADEQUATE: Record<Region, readonly string[]> = {
  uksouth: [...EEA, 'GI', 'AD', 'AR', 'CA', 'FO', 'GG', 'IL', 'IM', 'JP', 'JE', 'NZ', 'KR', 'CH', 'UY'],
  eu: ['GB', 'AD', 'AR', 'CA', 'FO', 'GG', 'IL', 'IM', 'JP', 'JE', 'NZ', 'KR', 'CH', 'UY'],
};

export const GEOGRAPHY: Record<Region, { name: 'UK' | 'EEA'; countries: readonly string[] }> = {
  uksouth: { name: 'UK', countries: ['GB'] },
  eu: { name: 'EEA', countries: EEA },
};

export const TRANSFER_BASES = ['adequacy', 'uk-idta', 'eu-sccs'] as const;
export type TransferBasisKind = (typeof TRANSFER_BASES)[number];

export const transferSchema = z.object({
  from: z.enum(['UK', 'EEA']),
  to: z.string().describe('ISO 3166-1 alpha-2 country of the engineer'),
  basis: z.enum(TRANSFER_BASES),
  instrument: z.string().describe('The adequacy regulation or decision, or the signed IDTA / SCCs, as the vendor records name it'),
  tiaReference: z.string().optional().describe('The transfer impact assessment for this destination (IDTA and SCC transfers need one)'),
});
export type Transfer = z.infer<typeof transferSchema>;

export interface TransferSafeguards {
  /** Reference of the UK International Data Transfer Agreement in force for support access. */
  ukIdta?: string;
  /** Reference of the EU Standard Contractual Clauses in force for support access. */
  euSccs?: string;
  /** Transfer impact assessment reference per destination country. */
  tias: Readonly<Record<string, string>>;
}

export type TransferAssessment = { transfer: null } | { transfer: Transfer } | { refused: string };

/** The transfer an access from `origin` makes, or why it cannot lawfully be made (nothing configured). */
export function assessTransfer(region: Region, origin: string, safeguards: TransferSafeguards): TransferAssessment {
  const geography = GEOGRAPHY[region];
  if (geography.countries.includes(origin)) return { transfer: null };
  const from = geography.name;
  if (ADEQUATE[region].includes(origin)) {
    const instrument = region === 'uksouth' ? `UK adequacy regulations (${origin})` : `EU adequacy decision, Art 45 GDPR (${origin})`;
    return { transfer: { from, to: origin, basis: 'adequacy', instrument } };
  }
  const basis: TransferBasisKind = region === 'uksouth' ? 'uk-idta' : 'eu-sccs';
  const instrument = region === 'uksouth' ? safeguards.ukIdta : safeguards.euSccs;
  const tiaReference = safeguards.tias[origin];
  if (!instrument) return { refused: `No ${basis === 'uk-idta' ? 'UK IDTA' : 'EU SCCs'} are configured for support access from outside the ${from}.` };
  if (!tiaReference) return { refused: `No transfer impact assessment is configured for support access from ${origin}.` };
  return { transfer: { from, to: origin, basis, instrument, tiaReference } };
}

/** One line for audit entries and the access log: `uk-idta IDTA-2026-01 TIA-US-3`. */
export function transferLabel(transfer: Transfer): string {
  return [transfer.basis, transfer.instrument, transfer.tiaReference].filter(Boolean).join(' | ');
}

/** ISO 3166-1 alpha-2 codes of countries and territories (not groupings such as EU or UN). */
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && REGION_NAMES.of(code) !== undefined;
}
