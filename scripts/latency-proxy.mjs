// A TCP relay on 127.0.0.1 that delays every chunk by ONE_WAY_MS in each direction: a database
// as far away as a laptop is from Heroku, for `npm run bench` (node scripts/latency-proxy.mjs
// LISTEN_PORT TARGET_PORT ONE_WAY_MS). Prints "ready" once it listens. Loopback only.
import net from 'node:net';
import { setTimeout } from 'node:timers';

const [listenPort, targetPort, oneWay] = process.argv.slice(2).map(Number);
if (!(listenPort > 0 && targetPort > 0 && oneWay >= 0)) {
  console.error('usage: latency-proxy.mjs LISTEN_PORT TARGET_PORT ONE_WAY_MS');
  process.exit(2);
}

/** Copies from → to, each chunk ONE_WAY_MS later; equal delays keep the order. */
function relay(from, to) {
  from.on('data', (chunk) => setTimeout(() => to.write(chunk), oneWay));
  from.on('end', () => setTimeout(() => to.end(), oneWay));
  from.on('error', () => to.destroy());
}

net
  .createServer((client) => {
    // the TCP handshake itself is one round trip
    client.pause();
    const server = net.connect(targetPort, '127.0.0.1');
    setTimeout(() => {
      relay(client, server);
      relay(server, client);
      client.resume();
    }, 2 * oneWay);
  })
  .listen(listenPort, '127.0.0.1', () => console.log('ready'));
