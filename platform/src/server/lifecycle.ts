/**
 * What a subgraph starts (ORM, relay, consumers, timers, servers), stopped in reverse order of
 * start. If starting fails half way, `abort()` stops whatever had started, ignoring their errors.
 */
export class Lifecycle {
  private readonly stoppers: (() => Promise<void> | void)[] = [];

  /** Registers how to stop something just started; it will be stopped before everything started earlier. */
  add(stop: () => Promise<void> | void): void {
    this.stoppers.unshift(stop);
  }

  /**
   * Stops everything, last started first. A stopper that fails does not keep the earlier-started
   * ones running (the ORM still closes when the HTTP server failed to drain): all are called, then
   * the first failure is thrown.
   */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (const s of this.stoppers.splice(0)) {
      try {
        await s();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} components failed to stop`);
  }

  async abort(): Promise<void> {
    for (const s of this.stoppers.splice(0)) await Promise.resolve().then(s).catch(() => undefined);
  }
}
