/**
 * A TCP relay with a delay, run on a host of the bed by {@link DelayRelay}:
 * `relay-main.ts <listen-port> <target-host> <target-port> <delay-ms>`. Every chunk is passed on
 * `delay` ms after it arrived, in order, in both directions. It prints `{"port": n}` once
 * listening; a line `{"delayMs": n}` on stdin changes the delay (answered with the same line),
 * and the end of stdin (its test is gone) ends it.
 */
import { createServer, connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [listenPort, targetHost, targetPort, initialDelay] = process.argv.slice(2);
let delayMs = Number(initialDelay ?? 0);

function delayed(from: Socket, to: Socket): void {
  let lastDue = 0;
  const later = (fn: () => void): void => {
    // In order, even when the delay was just shortened.
    lastDue = Math.max(Date.now() + delayMs, lastDue);
    setTimeout(fn, lastDue - Date.now());
  };
  from.on('data', (chunk) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  // A reset reaches the other side as one, as late as the data before it.
  from.on('error', () => later(() => to.destroy()));
}

// Half-open: an end is passed on after the data before it, not at once.
const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
  const upstream = connect({
    host: targetHost,
    port: Number(targetPort),
    noDelay: true,
    allowHalfOpen: true,
  });
  delayed(client, upstream);
  delayed(upstream, client);
});
server.listen(Number(listenPort), '0.0.0.0', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const ms = (JSON.parse(line) as { delayMs?: unknown }).delayMs;
    if (typeof ms === 'number' && ms >= 0) delayMs = ms;
    process.stdout.write(`${JSON.stringify({ delayMs })}\n`);
  })
  .on('close', () => process.exit(0));
