import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@imagy/platform/events';
async function main() {
  const nc = await connectNats('nats://127.0.0.1:4222', 'kit-cleanup');
  const jsm = await jetstreamManager(nc);
  const del = process.argv[2] === 'delete';
  for await (const s of jsm.streams.list()) {
    if (/^KIT\d+_/.test(s.config.name)) { console.log(s.config.name); if (del) await jsm.streams.delete(s.config.name); }
  }
  await nc.close();
}
void main();
