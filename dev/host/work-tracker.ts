// Tracks background work (orchestrator episodes, activities, timer deliveries) so the virtual
// clock can tell when everything caused by a clock move has settled.

export class WorkTracker {
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #failures: unknown[] = [];

  /** Runs `job` in the background; its failure is recorded, never lost. */
  spawn(job: () => Promise<void>): void {
    this.#inFlight++;
    // Start on a later tick so callers finish their own bookkeeping first.
    setImmediate(() => {
      job()
        .catch((error: unknown) => {
          this.#failures.push(error);
        })
        .finally(() => {
          this.#inFlight--;
          if (this.#inFlight === 0) this.#wake();
        });
    });
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Resolves when no work is in flight (work that spawns more work is waited for too). */
  async settled(): Promise<void> {
    while (this.#inFlight > 0) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Background failures since the last call (bugs in the host itself). */
  takeFailures(): unknown[] {
    const failures = this.#failures;
    this.#failures = [];
    return failures;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
