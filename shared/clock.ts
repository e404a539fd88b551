// Time as a dependency. Domain code takes `now` from here (or as a parameter); orchestrations use
// `context.df.currentUtcDateTime` instead.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
