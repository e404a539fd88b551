// Statutory deadlines for data-subject requests: pure date logic, no I/O. Everything outside this
// folder imports from here.

export {
  dsarDeadline,
  OPERATIONAL_TARGET_DAYS,
  UK_CLARIFICATION_PAUSE_FROM,
  type ClarificationPause,
  type ClockStartedBy,
  type DsarDeadline,
  type DsarDeadlineInput,
} from './dsar-deadline.js';
export {
  calendarDateIn,
  isJurisdiction,
  jurisdictionInfo,
  JURISDICTIONS,
  parseJurisdiction,
  type Jurisdiction,
  type JurisdictionInfo,
  type Regime,
} from './jurisdictions.js';
export { isWorkingDay, nextWorkingDayOnOrAfter, nonWorkingReason } from './working-days.js';
export { publicHolidaysIn, publicHolidaysOn } from './public-holidays.js';
export {
  addDays,
  addMonthsClamped,
  daysBetween,
  isCalendarDate,
  parseCalendarDate,
  type CalendarDate,
} from './calendar-date.js';
export { describeInstant, instantAtLocalTime, parseInstant, type Instant } from './instant.js';
export {
  DeadlineError,
  InvalidDateError,
  InvalidPauseError,
  PauseNotAllowedError,
  UnknownJurisdictionError,
  type DeadlineErrorCode,
} from './errors.js';
