// Optimistic concurrency, the one way: read, change, and write only if nobody wrote in between
// (ETag and If-Match); when another writer won the race, run the whole attempt again on what it
// wrote. Only a lost race is retried, a bounded number of times; any other failure is thrown at once.

export interface OptimisticOptions {
  /** Attempts in all (the first included). */
  attempts: number;
  /** Is this error a lost race (a 412 on If-Match, or a create that met a concurrent create)? */
  lostRace(error: unknown): boolean;
  /** What to throw when every attempt lost its race (the last lost race by default). */
  exhausted?(error: unknown): unknown;
}

export async function retryLostRaces<T>(attempt: () => Promise<T>, options: OptimisticOptions): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.lostRace(error)) throw error;
      if (round >= options.attempts) throw options.exhausted ? options.exhausted(error) : error;
    }
  }
}
