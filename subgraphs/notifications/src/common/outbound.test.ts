import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPrivateAddress, outboundRequest, OutboundRefused } from './outbound';

describe('outbound requests to tenant URLs', () => {
  test('private, loopback and link-local addresses are recognised', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', '::ffff:127.0.0.1', 'fd00::1', '0.0.0.0']) expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888']) expect(isPrivateAddress(ip)).toBe(false);
  });

  test('a loopback URL is refused unless the policy allows private addresses', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await expect(outboundRequest({ allowPrivate: false, timeoutMs: 2000 }, url, { method: 'GET', headers: {} })).rejects.toBeInstanceOf(OutboundRefused);
      await expect(outboundRequest({ allowPrivate: false, timeoutMs: 2000 }, 'http://localhost:1/x', { method: 'GET', headers: {} })).rejects.toBeInstanceOf(OutboundRefused);
      await expect(outboundRequest({ allowPrivate: true, timeoutMs: 2000 }, url, { method: 'GET', headers: {} })).resolves.toMatchObject({ status: 200, body: 'ok' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
