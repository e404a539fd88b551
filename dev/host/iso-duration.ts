// ISO 8601 durations for moving the dev clock (`P30D`, `PT72H`, `P1M`): days and times are
// elapsed time; years and months are calendar steps in UTC.

export class InvalidDurationError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function addIsoDuration(from: Date, duration: string): Date {
  const match = PATTERN.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) {
    throw new InvalidDurationError(`"${duration}" is not an ISO 8601 duration such as P30D or PT1H.`, 'advanceBy');
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = match.map((v) => (v === undefined ? 0 : Number(v)));
  const result = new Date(from.getTime());
  if (years || months) result.setUTCMonth(result.getUTCMonth() + (years ?? 0) * 12 + (months ?? 0));
  const elapsedMs = ((((weeks ?? 0) * 7 + (days ?? 0)) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60_000 + (seconds ?? 0) * 1000;
  return new Date(result.getTime() + elapsedMs);
}
