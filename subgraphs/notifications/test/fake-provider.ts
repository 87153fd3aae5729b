/** A local HTTP server that plays a provider: records each request and answers from a script. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** `answered`: the status the fake answered, or null while a held request waits (a provider that never accepted it). */
export interface Recorded { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; answered: number | null }
/** `hold`: record the request and never answer it (the connection stays open until the caller goes away). */
export interface Answer { status: number; body?: unknown; headers?: Record<string, string>; hold?: boolean }

export interface FakeProvider {
  url: string;
  requests: Recorded[];
  /** Answers for the next requests, in order; when they run out, `fallback` answers. */
  script(...answers: Answer[]): void;
  fallback: Answer;
  close(): Promise<void>;
}

export async function startFakeProvider(fallback: Answer = { status: 200, body: {} }): Promise<FakeProvider> {
  const queue: Answer[] = [];
  const requests: Recorded[] = [];
  const fake: Partial<FakeProvider> = { requests, fallback };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = queue.shift() ?? fake.fallback!;
      const recorded: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: answer.hold ? null : answer.status };
      requests.push(recorded);
      if (answer.hold) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.script = (...answers) => { queue.push(...answers); };
  fake.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake as FakeProvider;
}
