// The sub-processor list as data (DPA §5, privacy notice "Sub-processors"): the entries the running
// system really uses, each named by its provider and the service, versioned so customers can be told
// of a change before it takes effect; and where the source documents say otherwise. Pure: no I/O.
import { z } from 'zod';
import { REGIONS, type Config } from '../config.js';
import { plainText } from '../http/text.js';

export const subProcessorSchema = z.strictObject({
  name: plainText(200, { required: 'name the provider' }),
  service: plainText(200, { required: 'name the service' }),
  purpose: plainText(1000, { required: 'say what it is used for' }),
  dataCategories: z.array(plainText(200)).min(1, 'name at least one data category').max(20),
  locations: z.array(plainText(100)).min(1, 'name at least one location').max(20),
  transferMechanism: plainText(300, { required: 'say how transfers are safeguarded ("none: no transfer" when none)' }),
});
export type SubProcessorInput = z.infer<typeof subProcessorSchema>;

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const subProcessorViewSchema = z
  .object({
    name: z.string(),
    service: z.string(),
    purpose: z.string(),
    dataCategories: z.array(z.string()),
    locations: z.array(z.string()),
    transferMechanism: z.string(),
    since: z.iso.datetime().meta({ description: 'When this entry (as it reads now) took effect' }),
  })
  .meta({ id: 'SubProcessor' });
export type SubProcessor = z.infer<typeof subProcessorViewSchema>;

/** A published version of the list. */
export const subProcessorListSchema = z
  .object({ version: z.int().min(1), effectiveFrom: z.iso.datetime(), subProcessors: z.array(subProcessorViewSchema) })
  .meta({ id: 'SubProcessorList' });
export type SubProcessorList = z.infer<typeof subProcessorListSchema>;

/** The key that identifies an entry across versions: provider and service. */
export const entryKey = (entry: Pick<SubProcessorInput, 'name' | 'service'>): string =>
  `${entry.name.trim().toLowerCase()}|${entry.service.trim().toLowerCase()}`;

const OPERATIONAL_DATA = [
  'user accounts (name, email, role, department)',
  'operational records (shift logs, approval chains, schedules, capacity, time tracking, organisation structure)',
  'audit log',
];

/**
 * What the running system uses, from its configuration: Microsoft Azure for hosting and every store
 * (each region's stores in that region's Azure location), Communication Services for email in each
 * region's geography, and Sentry only while a DSN is configured. Version 1 of the list.
 */
export function systemSubProcessors(config: Pick<Config, 'regions' | 'sentry'>, since: string): SubProcessor[] {
  const dataLocations = REGIONS.map((r) => config.regions[r].location);
  const noTransfer = 'none: stored and processed only in the tenant\'s region';
  const entries: SubProcessor[] = [
    {
      name: 'Microsoft Azure',
      service: 'Azure Functions (hosting)',
      purpose: 'Runs the service: the API and the durable workflows',
      dataCategories: OPERATIONAL_DATA,
      locations: ['uksouth'],
      transferMechanism: "none: runs in UK South; EU tenants' data is read and written in their region's stores",
      since,
    },
    {
      name: 'Microsoft Azure',
      service: 'Azure Cosmos DB',
      purpose: 'Stores tenant data, the audit log and its continuous backups',
      dataCategories: OPERATIONAL_DATA,
      locations: dataLocations,
      transferMechanism: noTransfer,
      since,
    },
    {
      name: 'Microsoft Azure',
      service: 'Azure Key Vault',
      purpose: "Holds each tenant's key and the signing keys; the keys never leave the vault",
      dataCategories: ['encryption keys (no personal data)'],
      locations: dataLocations,
      transferMechanism: noTransfer,
      since,
    },
    {
      name: 'Microsoft Azure',
      service: 'Azure Storage',
      purpose: 'Keeps exports, access packages, evidence packs and signed records',
      dataCategories: OPERATIONAL_DATA,
      locations: dataLocations,
      transferMechanism: noTransfer,
      since,
    },
    {
      name: 'Microsoft Azure',
      service: 'Azure Communication Services (email)',
      purpose: 'Sends transactional email: breach notices, deletion certificates, DSAR and export notices',
      dataCategories: ["nominated contacts' names and email addresses", 'notice content'],
      locations: ['UK (uksouth tenants)', 'Europe (eu tenants)'],
      transferMechanism: noTransfer,
      since,
    },
  ];
  if (config.sentry.dsn) {
    entries.push({
      name: 'Sentry',
      service: 'Error monitoring',
      purpose: 'Reports unexpected errors to engineers',
      dataCategories: ['technical data (error types, request ids); personal data is scrubbed before sending'],
      locations: ['as configured for the Sentry organisation'],
      transferMechanism: 'EU SCCs / UK IDTA with Functional Software, Inc.',
      since,
    });
  }
  return entries;
}

export type ChangeKind = 'add' | 'remove' | 'modify';

/** The list after a change: an addition appends, a modification replaces, a removal drops (matched by provider and service). */
export function applyChange(list: readonly SubProcessor[], change: { kind: ChangeKind; subProcessor: SubProcessorInput }, effectiveAt: string): SubProcessor[] {
  const key = entryKey(change.subProcessor);
  const others = list.filter((entry) => entryKey(entry) !== key);
  if (change.kind === 'remove') return others;
  return [...others, { ...change.subProcessor, since: effectiveAt }];
}

/** Why a change cannot apply to the list as it is (a 422), or undefined. */
export function changeProblem(list: readonly SubProcessor[], change: { kind: ChangeKind; subProcessor: SubProcessorInput }): string | undefined {
  const present = list.some((entry) => entryKey(entry) === entryKey(change.subProcessor));
  if (change.kind === 'add' && present) return `${change.subProcessor.name} (${change.subProcessor.service}) is already on the list; use kind "modify"`;
  if (change.kind !== 'add' && !present) return `${change.subProcessor.name} (${change.subProcessor.service}) is not on the list`;
  return undefined;
}

/** Where a source document (about sub-processors or hosting) and the running system disagree. */
export const discrepancySchema = z.object({ document: z.enum(['privacy notice', 'DPA']), says: z.string(), system: z.string() });
export type Discrepancy = z.infer<typeof discrepancySchema>;

/**
 * What the documents say (seeds in /work/shared/seeds), compared with the list the system runs on.
 * The documents are data here so that the disagreement is shown, not hidden, until they are revised.
 */
export function documentDiscrepancies(list: readonly SubProcessor[], config: Pick<Config, 'processor'>): Discrepancy[] {
  const names = new Set(list.map((entry) => entry.name.toLowerCase()));
  const emailBy = list.find((entry) => /email/i.test(entry.service));
  const found: Discrepancy[] = [];
  if (!names.has('resend') && !names.has('brevo')) {
    found.push({
      document: 'privacy notice',
      says: 'Resend / Brevo (transactional email)',
      system: emailBy
        ? `email is sent by ${emailBy.name} ${emailBy.service}, in each tenant's region; neither Resend nor Brevo is used`
        : 'neither Resend nor Brevo is used',
    });
  }
  if (!names.has('sentry'))
    found.push({
      document: 'privacy notice',
      says: 'Sentry (error monitoring)',
      system: 'Sentry is not configured (SENTRY_DSN unset), so no data goes to Sentry',
    });
  if (!names.has('amazon web services') && !names.has('aws')) {
    found.push({
      document: 'DPA',
      says: '§4.1 "AWS infrastructure"; §7 "Opsium predominantly relies on AWS data centers"',
      system: 'the service runs on Microsoft Azure (UK South, and the EU region for EU tenants); AWS is not used',
    });
  }
  found.push({
    document: 'DPA',
    says: '§5 sub-processors "for example, for hosting, email delivery, or analytics"',
    system: 'no analytics provider processes customer data',
  });
  if (config.processor.name.toLowerCase() !== 'opsyn') {
    found.push({
      document: 'privacy notice',
      says: 'names the product "OpSyn" and the contact privacy@aptim-solutions.com',
      system: `the processor is named "${config.processor.name}" (PROCESSOR_NAME); the DPA names Opsium and legal@opsium.io`,
    });
  }
  return found;
}

export const SUB_PROCESSOR_CSV_HEADERS = ['name', 'service', 'purpose', 'dataCategories', 'locations', 'transferMechanism', 'since'] as const;

export function subProcessorRows(list: readonly SubProcessor[]): string[][] {
  return list.map((e) => [e.name, e.service, e.purpose, e.dataCategories.join('; '), e.locations.join('; '), e.transferMechanism, e.since]);
}
