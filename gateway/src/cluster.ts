/**
 * node:cluster mode for the gateway CLI (`--workers N`): the primary process forks N workers that
 * each run a whole gateway (own Apollo Server, plan cache, token cache, keep-alive agent, in-flight
 * deduplication) on the same listening port; the primary only supervises.
 *
 *  - A worker that dies while the primary is not stopping is replaced (at most `maxRestarts` within
 *    a minute, then the primary gives up and exits 1).
 *  - SIGTERM/SIGINT on the primary are passed to every worker (each stops gracefully as a single
 *    process does); the primary exits 0 once all workers have exited, 1 if some had to be killed at
 *    the deadline.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { logger } from '@imagy/platform/logger';

export const WORKER_ENV = 'IMAGY_GATEWAY_WORKER';

export function defaultWorkers(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

export function runPrimary(workers: number, options: { stopDeadlineMs: number; maxRestarts?: number }): void {
  const log = logger.child({ component: 'gateway-cluster' });
  const maxRestarts = options.maxRestarts ?? 10;
  let stopping = false;
  const restarts: number[] = [];

  const fork = () => cluster.fork({ [WORKER_ENV]: '1' });
  for (let i = 0; i < workers; i++) fork();
  log.info({ workers, pid: process.pid }, 'gateway cluster started');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, 'gateway worker exited; replacing it');
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > maxRestarts) {
      log.error({ restarts: restarts.length }, 'gateway workers keep dying; giving up');
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(() => process.exit(1), options.stopDeadlineMs).unref();
      return;
    }
    fork();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'gateway cluster shutting down');
    const live = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    if (live.length === 0) process.exit(0);
    for (const w of live) w!.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, options.stopDeadlineMs).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
