// The jurisdictions a data-subject request can be governed by: each UK nation (their bank holidays
// differ) and each EU/EEA member state, with the time zone its dates are read in and its holiday calendar.

import type { CalendarDate } from './calendar-date.js';
import { UnknownJurisdictionError } from './errors.js';
import { calendarDateInZone, type Instant } from './instant.js';

/** Which law sets the rules: UK GDPR (with the DUAA 2025 changes) or the EU GDPR (also in the EEA). */
export type Regime = 'UK_GDPR' | 'EU_GDPR';

export interface JurisdictionInfo {
  readonly code: Jurisdiction;
  readonly name: string;
  readonly regime: Regime;
  /** IANA zone: Europe/London for the UK nations, the capital's zone for a member state. */
  readonly timeZone: string;
  /** Country and (for the UK) subdivision codes as the holiday library names them. */
  readonly holidayCalendar: { readonly country: string; readonly state?: string };
}

const uk = (state: string, name: string) =>
  ({ name, regime: 'UK_GDPR', timeZone: 'Europe/London', holidayCalendar: { country: 'GB', state } }) as const;
const eu = (country: string, name: string, timeZone: string) =>
  ({ name, regime: 'EU_GDPR', timeZone, holidayCalendar: { country } }) as const;

const TABLE = {
  'GB-ENG': uk('ENG', 'England'),
  'GB-WLS': uk('WLS', 'Wales'),
  'GB-SCT': uk('SCT', 'Scotland'),
  'GB-NIR': uk('NIR', 'Northern Ireland'),
  AT: eu('AT', 'Austria', 'Europe/Vienna'),
  BE: eu('BE', 'Belgium', 'Europe/Brussels'),
  BG: eu('BG', 'Bulgaria', 'Europe/Sofia'),
  HR: eu('HR', 'Croatia', 'Europe/Zagreb'),
  CY: eu('CY', 'Cyprus', 'Asia/Nicosia'),
  CZ: eu('CZ', 'Czechia', 'Europe/Prague'),
  DK: eu('DK', 'Denmark', 'Europe/Copenhagen'),
  EE: eu('EE', 'Estonia', 'Europe/Tallinn'),
  FI: eu('FI', 'Finland', 'Europe/Helsinki'),
  FR: eu('FR', 'France', 'Europe/Paris'),
  DE: eu('DE', 'Germany', 'Europe/Berlin'),
  GR: eu('GR', 'Greece', 'Europe/Athens'),
  HU: eu('HU', 'Hungary', 'Europe/Budapest'),
  IE: eu('IE', 'Ireland', 'Europe/Dublin'),
  IT: eu('IT', 'Italy', 'Europe/Rome'),
  LV: eu('LV', 'Latvia', 'Europe/Riga'),
  LT: eu('LT', 'Lithuania', 'Europe/Vilnius'),
  LU: eu('LU', 'Luxembourg', 'Europe/Luxembourg'),
  MT: eu('MT', 'Malta', 'Europe/Malta'),
  NL: eu('NL', 'Netherlands', 'Europe/Amsterdam'),
  PL: eu('PL', 'Poland', 'Europe/Warsaw'),
  PT: eu('PT', 'Portugal', 'Europe/Lisbon'),
  RO: eu('RO', 'Romania', 'Europe/Bucharest'),
  SK: eu('SK', 'Slovakia', 'Europe/Bratislava'),
  SI: eu('SI', 'Slovenia', 'Europe/Ljubljana'),
  ES: eu('ES', 'Spain', 'Europe/Madrid'),
  SE: eu('SE', 'Sweden', 'Europe/Stockholm'),
  // EEA states outside the EU apply the GDPR through the EEA Agreement.
  IS: eu('IS', 'Iceland', 'Atlantic/Reykjavik'),
  LI: eu('LI', 'Liechtenstein', 'Europe/Vaduz'),
  NO: eu('NO', 'Norway', 'Europe/Oslo'),
} as const;

export type Jurisdiction = keyof typeof TABLE;

/** Every supported code, e.g. for `z.enum(JURISDICTIONS)` at the HTTP boundary. */
export const JURISDICTIONS = Object.keys(TABLE) as readonly Jurisdiction[] as readonly [Jurisdiction, ...Jurisdiction[]];

export function isJurisdiction(code: unknown): code is Jurisdiction {
  return typeof code === 'string' && Object.hasOwn(TABLE, code);
}

/** Validates a code from outside (request body, stored document); throws UnknownJurisdictionError. */
export function parseJurisdiction(code: string): Jurisdiction {
  if (!isJurisdiction(code)) throw new UnknownJurisdictionError(String(code));
  return code;
}

export function jurisdictionInfo(code: Jurisdiction): JurisdictionInfo {
  const jurisdiction = parseJurisdiction(code); // callers outside TypeScript can still pass anything
  return { code: jurisdiction, ...TABLE[jurisdiction] };
}

/** The calendar date of `instant` in the jurisdiction's own zone: 23:30Z on 31 March is 1 April in DE. */
export function calendarDateIn(instant: Instant, jurisdiction: Jurisdiction): CalendarDate {
  return calendarDateInZone(instant, jurisdictionInfo(jurisdiction).timeZone);
}
