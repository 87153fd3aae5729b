import http from 'node:http';
import express from 'express';
import { clientOf, trustProxySetting, type TrustProxy } from './caller';

describe('TRUST_PROXY', () => {
  test('is parsed once for every subgraph: unset means nobody, then booleans, hop counts and address lists', () => {
    expect(trustProxySetting(undefined)).toBeUndefined();
    expect(trustProxySetting('')).toBeUndefined();
    expect(trustProxySetting('  ')).toBeUndefined();
    expect(trustProxySetting('true')).toBe(true);
    expect(trustProxySetting('false')).toBe(false);
    expect(trustProxySetting('2')).toBe(2);
    expect(trustProxySetting('loopback')).toBe('loopback');
    expect(trustProxySetting(' uniquelocal ')).toBe('uniquelocal');
    expect(trustProxySetting('10.0.0.0/8, 127.0.0.1')).toBe('10.0.0.0/8, 127.0.0.1');
  });
});

describe('client hints of a request', () => {
  async function clientSeenBy(trustProxy: TrustProxy | undefined, headers: Record<string, string>) {
    const app = express();
    if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
    app.get('/', (req, res) => { res.json(clientOf(req)); });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      return await (await fetch(`http://127.0.0.1:${port}/`, { headers })).json() as { ip: string | null; userAgent: string | null };
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  test('X-Forwarded-For names the client only when the hop in front is trusted', async () => {
    expect(await clientSeenBy('loopback', { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'agent/1' })).toEqual({ ip: '203.0.113.9', userAgent: 'agent/1' });
    expect(await clientSeenBy(undefined, { 'x-forwarded-for': '203.0.113.9' })).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1$/) });
    expect(await clientSeenBy('10.0.0.0/8', { 'x-forwarded-for': '203.0.113.9' })).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1$/) });
  });

  test('a forwarded value that is not an IP address is dropped, and a long user agent is cut', async () => {
    const seen = await clientSeenBy('loopback', { 'x-forwarded-for': '<script>', 'user-agent': 'x'.repeat(2000) });
    expect(seen.ip).toBeNull();
    expect(seen.userAgent).toHaveLength(512);
  });
});
