/**
 * Network helpers: probes shared by the start script (is PostgreSQL or NATS already listening?)
 * and the tests (has a process opened or released its port?), and the one classifier of public
 * addresses that every outbound call to a tenant-supplied URL uses (flow's provider URLs,
 * notifications' webhooks and provider endpoints). No dependency beyond node:net, so the start
 * script can load it before anything else.
 */
import net from 'node:net';

/** Whether something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// Two lists: a BlockList also checks an IPv4 address against its IPv6 rules (as ::ffff:a.b.c.d),
// so the IPv6 rule for mapped addresses would otherwise block every IPv4 address.
const blocked4 = new net.BlockList();
const blocked6 = new net.BlockList();
for (const [addr, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) blocked4.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96]] as const) blocked6.addSubnet(addr, prefix, 'ipv6');

/** Whether an IP address is public: not private, loopback, link-local, CGNAT, multicast, reserved or NAT64. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (net.isIPv4(v4)) return !blocked4.check(v4, 'ipv4');
  }
  return family === 4 ? !blocked4.check(address, 'ipv4') : !blocked6.check(address, 'ipv6');
}
