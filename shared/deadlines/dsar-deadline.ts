// The statutory deadline for answering a data-subject request (UK GDPR / EU GDPR art. 12(3), ICO guidance,
// Regulation 1182/71, UK GDPR art. 12A as inserted by the Data (Use and Access) Act 2025), with the
// reasoning spelled out so a DPO can check every step.

import {
  addDays,
  addMonthsClamped,
  daysBetween,
  parseCalendarDate,
  partsOf,
  weekdayName,
  type CalendarDate,
} from './calendar-date.js';
import { InvalidPauseError, PauseNotAllowedError } from './errors.js';
import { parseInstant, type Instant } from './instant.js';
import { calendarDateIn, jurisdictionInfo, type Jurisdiction, type JurisdictionInfo } from './jurisdictions.js';
import { nextWorkingDayOnOrAfter, nonWorkingReason } from './working-days.js';

/** UK requests received (in UK local time) on or after this date may have the clock paused for clarification. */
export const UK_CLARIFICATION_PAUSE_FROM = parseCalendarDate('2026-02-05');

/** The ICO's fixed operational period: always ends on or before the calendar-month deadline. */
export const OPERATIONAL_TARGET_DAYS = 28;

/**
 * Days on which the clock did not run because the controller was waiting for clarification it reasonably
 * required: from the day it asked to the day it received the answer, both inclusive (DPA 2018 s.54(3C) and
 * UK GDPR art. 12A use the same words: "beginning with the day ... ending with the day ...").
 */
export interface ClarificationPause {
  readonly from: CalendarDate | string;
  readonly to: CalendarDate | string;
}

export interface DsarDeadlineInput {
  /** When the request reached the organisation (Date or ISO 8601 with an offset). */
  readonly receivedAt: Instant;
  readonly jurisdiction: Jurisdiction;
  /** When identity evidence the organisation asked for arrived: the clock restarts from that day. */
  readonly identityEvidenceReceivedAt?: Instant;
  /** When proof of an agent's authority to act for the data subject arrived. */
  readonly agentAuthorityReceivedAt?: Instant;
  /** When a fee the organisation was allowed to charge was received. */
  readonly feeReceivedAt?: Instant;
  /** UK only, for requests received from 5 February 2026; anywhere else a pause is refused. */
  readonly clarificationPauses?: readonly ClarificationPause[];
  /** True once the organisation has extended the period by two further months (complex or numerous requests). */
  readonly extended?: boolean;
}

export type ClockStartedBy = 'request' | 'identity evidence' | 'agent authority' | 'fee';

export interface DsarDeadline {
  readonly jurisdiction: Jurisdiction;
  readonly timeZone: string;
  /** The calendar date of receipt in the jurisdiction's zone. */
  readonly receivedOn: CalendarDate;
  /** Day 1 of the period: the latest of receipt, identity evidence, agent authority and fee. */
  readonly startsOn: CalendarDate;
  readonly clockStartedBy: ClockStartedBy;
  /** Paused days counted against the period in force (the extended one when extended). */
  readonly pausedDays: number;
  /** End of the one-month period: corresponding date (month-end clamp) plus paused days, then next working day. */
  readonly legalDueOn: CalendarDate;
  /** `startsOn` + 28 calendar days (+ paused days); not moved to a working day. Never after `legalDueOn`. */
  readonly operationalTargetOn: CalendarDate;
  /**
   * Last day to tell the person about an extension, with reasons: the end of the first month, paused days
   * included, but NOT moved to the next working day (the statute says "before the end of the period of one
   * month"; the working-day rule is stated for the response, so the earlier day is the safe one).
   */
  readonly extensionNoticeBy: CalendarDate;
  /** Only when extended: three months from `startsOn` (clamped) plus paused days, then next working day. */
  readonly extendedDueOn?: CalendarDate;
  /** The deadline in force: `extendedDueOn` when extended, otherwise `legalDueOn`. */
  readonly dueOn: CalendarDate;
  /** Each step of the computation in plain words, in order. */
  readonly explanation: readonly string[];
}

interface DayRange {
  readonly from: CalendarDate;
  readonly to: CalendarDate;
}

interface PeriodEnd {
  readonly correspondingDate: CalendarDate;
  readonly end: CalendarDate;
  readonly pausedDays: number;
  readonly applied: readonly (DayRange & { readonly endAfter: CalendarDate })[];
  readonly afterEnd: readonly DayRange[];
}

function lengthInDays({ from, to }: DayRange): number {
  return daysBetween(from, to) + 1;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeInstant(instant: Instant): string {
  return typeof instant === 'string' ? instant : parseInstant(instant).toISOString();
}

/** Parses, checks and merges the pauses; days before the clock started are dropped (they never counted). */
function normalisePauses(
  pauses: readonly ClarificationPause[],
  startsOn: CalendarDate,
  explanation: string[],
): DayRange[] {
  const ranges = pauses.map((pause): DayRange => {
    const from = parseCalendarDate(pause.from);
    const to = parseCalendarDate(pause.to);
    if (to < from) throw new InvalidPauseError(`Clarification pause ends (${to}) before it starts (${from})`);
    return { from, to };
  });
  const clipped: DayRange[] = [];
  for (const range of ranges) {
    if (range.to < startsOn) {
      explanation.push(
        `Clarification pause ${range.from} to ${range.to} ends before the clock started on ${startsOn}; it changes nothing.`,
      );
    } else if (range.from < startsOn) {
      explanation.push(
        `Clarification pause ${range.from} to ${range.to} began before the clock started; only its days from ${startsOn} count.`,
      );
      clipped.push({ from: startsOn, to: range.to });
    } else {
      clipped.push(range);
    }
  }
  // Overlapping or touching pauses are one pause: a day is either paused or not, never twice.
  clipped.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: DayRange[] = [];
  for (const range of clipped) {
    const last = merged.at(-1);
    if (last && range.from <= addDays(last.to, 1)) {
      merged[merged.length - 1] = { from: last.from, to: range.to > last.to ? range.to : last.to };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/**
 * End of a period of `months` months beginning with `startsOn` (day 1): the corresponding calendar date,
 * or the month's last day when it has none; then each pause that begins on or before the running end
 * pushes the end out by its length. Paused days are added BEFORE the working-day rule: a pause changes
 * where the period ends, and the working-day rule then applies to wherever it ends (rolling first and
 * adding afterwards would give a later date that the law does not grant).
 */
function periodEnd(startsOn: CalendarDate, months: number, pauses: readonly DayRange[]): PeriodEnd {
  const correspondingDate = addMonthsClamped(startsOn, months);
  let end = correspondingDate;
  let pausedDays = 0;
  const applied: (DayRange & { endAfter: CalendarDate })[] = [];
  const afterEnd: DayRange[] = [];
  for (const pause of pauses) {
    if (pause.from > end) {
      afterEnd.push(pause);
      continue;
    }
    end = addDays(end, lengthInDays(pause));
    pausedDays += lengthInDays(pause);
    applied.push({ ...pause, endAfter: end });
  }
  return { correspondingDate, end, pausedDays, applied, afterEnd };
}

function explainCorrespondingDate(startsOn: CalendarDate, months: number, correspondingDate: CalendarDate): string {
  const label = months === 1 ? 'One month' : months === 3 ? 'Three months' : `${months} months`;
  const start = partsOf(startsOn);
  if (partsOf(correspondingDate).day !== start.day) {
    return `${label} from ${startsOn}: ${correspondingDate.slice(0, 7)} has no day ${start.day}, so the period ends on its last day, ${correspondingDate}.`;
  }
  return `${label} from ${startsOn} ends on the corresponding date, ${correspondingDate} (${weekdayName(correspondingDate)}).`;
}

/** Moves a period end to the next working day, explaining each day skipped. */
function rollToWorkingDay(
  end: CalendarDate,
  info: JurisdictionInfo,
  what: string,
  explanation: string[],
): CalendarDate {
  const due = nextWorkingDayOnOrAfter(end, info.code);
  if (due === end) {
    explanation.push(`${end} (${weekdayName(end)}) is a working day in ${info.name}: ${what} is ${due}.`);
    return due;
  }
  const skipped: string[] = [];
  for (let day = end; day < due; day = addDays(day, 1)) {
    skipped.push(`${day} (${nonWorkingReason(day, info.code) ?? 'not a working day'})`);
  }
  explanation.push(
    `Not working days in ${info.name}: ${skipped.join(', ')}; ${what} moves to the next working day, ${due} (${weekdayName(due)}).`,
  );
  return due;
}

/** The dates a data-subject request must be answered by, with the reasoning. Throws DeadlineError on bad input. */
export function dsarDeadline(input: DsarDeadlineInput): DsarDeadline {
  const info = jurisdictionInfo(input.jurisdiction);
  const explanation: string[] = [];

  const receivedOn = calendarDateIn(input.receivedAt, info.code);
  explanation.push(
    `Request received ${describeInstant(input.receivedAt)}: ${receivedOn} (${weekdayName(receivedOn)}) in ${info.name} (${info.timeZone}).`,
  );

  // The clock starts on the latest of these (art. 12(3) read with the ICO guidance; DPA 2018 s.54(3)).
  let startsOn = receivedOn;
  let clockStartedBy: ClockStartedBy = 'request';
  const restarts: readonly [ClockStartedBy, Instant | undefined][] = [
    ['identity evidence', input.identityEvidenceReceivedAt],
    ['agent authority', input.agentAuthorityReceivedAt],
    ['fee', input.feeReceivedAt],
  ];
  for (const [event, at] of restarts) {
    if (at === undefined) continue;
    const on = calendarDateIn(at, info.code);
    if (on > startsOn) {
      startsOn = on;
      clockStartedBy = event;
    }
    explanation.push(`Requested ${event} received ${describeInstant(at)}: ${on}.`);
  }
  explanation.push(
    clockStartedBy === 'request'
      ? `The clock starts on the day of receipt, ${startsOn}, day 1 of the period even if it is not a working day.`
      : `The clock starts again on receipt of the ${clockStartedBy}, ${startsOn} (the latest of request, identity evidence, agent authority and fee); that is day 1 even if it is not a working day.`,
  );

  const pauseInput = input.clarificationPauses ?? [];
  if (pauseInput.length > 0) {
    if (info.regime !== 'UK_GDPR') {
      throw new PauseNotAllowedError(
        `A clarification pause is a UK rule (UK GDPR art. 12A); it does not apply in ${info.name} (${info.code}). ` +
          `Under the EU GDPR the period runs on; extend it instead if the request is complex.`,
      );
    }
    if (receivedOn < UK_CLARIFICATION_PAUSE_FROM) {
      throw new PauseNotAllowedError(
        `The clarification pause applies to requests received from ${UK_CLARIFICATION_PAUSE_FROM}; ` +
          `this request was received on ${receivedOn}.`,
      );
    }
  }
  const pauses = normalisePauses(pauseInput, startsOn, explanation);

  const months = input.extended === true ? 3 : 1;
  const oneMonth = periodEnd(startsOn, 1, pauses);
  const governing = months === 1 ? oneMonth : periodEnd(startsOn, months, pauses);
  const [lateFirst] = governing.afterEnd;
  if (lateFirst) {
    throw new InvalidPauseError(
      `Clarification pause from ${lateFirst.from} starts after the period ended on ${governing.end}; ` +
        `a pause cannot revive a deadline that has passed.`,
    );
  }

  explanation.push(explainCorrespondingDate(startsOn, 1, oneMonth.correspondingDate));
  for (const pause of oneMonth.applied) {
    explanation.push(
      `Clarification pause ${pause.from} to ${pause.to}: ${plural(lengthInDays(pause), 'day')} do not count ` +
        `(UK GDPR art. 12A), so the first month now ends on ${pause.endAfter}. Paused days are added before the working-day rule.`,
    );
  }
  const legalDueOn = rollToWorkingDay(oneMonth.end, info, 'the legal deadline', explanation);

  const operationalTargetOn = addDays(startsOn, OPERATIONAL_TARGET_DAYS + oneMonth.pausedDays);
  explanation.push(
    `Operational target: ${OPERATIONAL_TARGET_DAYS} calendar days from ${startsOn}` +
      (oneMonth.pausedDays > 0 ? ` plus ${plural(oneMonth.pausedDays, 'paused day')}` : '') +
      `, ${operationalTargetOn} (${weekdayName(operationalTargetOn)}); the legal deadline is still ${legalDueOn}.`,
  );

  const extensionNoticeBy = oneMonth.end;
  explanation.push(
    `An extension must be notified to the person, with reasons, by ${extensionNoticeBy}: the end of the first month, ` +
      `not moved to a working day.`,
  );

  let extendedDueOn: CalendarDate | undefined;
  if (months === 3) {
    explanation.push(
      `Extended by two further months: the extended period is three months from the start, not from the first deadline.`,
    );
    explanation.push(explainCorrespondingDate(startsOn, 3, governing.correspondingDate));
    for (const pause of governing.applied) {
      explanation.push(
        `Clarification pause ${pause.from} to ${pause.to}: ${plural(lengthInDays(pause), 'day')} do not count, ` +
          `so the extended period now ends on ${pause.endAfter}.`,
      );
    }
    extendedDueOn = rollToWorkingDay(governing.end, info, 'the extended deadline', explanation);
  }

  return {
    jurisdiction: info.code,
    timeZone: info.timeZone,
    receivedOn,
    startsOn,
    clockStartedBy,
    pausedDays: governing.pausedDays,
    legalDueOn,
    operationalTargetOn,
    extensionNoticeBy,
    ...(extendedDueOn === undefined ? {} : { extendedDueOn }),
    dueOn: extendedDueOn ?? legalDueOn,
    explanation,
  };
}
