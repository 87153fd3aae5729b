/**
 * Network probes shared by the start script (is PostgreSQL or NATS already listening?) and the
 * tests (has a process opened or released its port?). No dependency beyond node:net, so the start
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
