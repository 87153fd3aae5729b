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

  async stop(): Promise<void> {
    for (const s of this.stoppers.splice(0)) await s();
  }

  async abort(): Promise<void> {
    for (const s of this.stoppers.splice(0)) await Promise.resolve().then(s).catch(() => undefined);
  }
}
