/**
 * Probes the bed runs on its hosts to look at the network from inside (one JSON line on stdout):
 * - `serve <port>`: a TCP server answering each connection with `{"host", "remote"}` (the
 *   hostname it runs under and the peer address it sees) and a UDP echo, on every address of
 *   the host; prints `{"ready":true}`; runs until its stdin ends.
 * - `ask <address> <port> [timeout-ms]`: one TCP connection; prints the answer or `{"error"}`,
 *   with `ms`, how long it took from the dial to the end of the answer.
 * - `udp <address> <port> <count> [interval-ms]`: sends `count` datagrams, counts the echoes;
 *   prints `{"sent","received","sendErrors"}`.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';

const [command, ...args] = process.argv.slice(2);

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function serve(port: number): void {
  let ready = 0;
  const up = (): void => {
    ready += 1;
    if (ready === 2) print({ ready: true });
  };
  const tcp = createServer((socket) => {
    socket.end(`${JSON.stringify({ host: hostname(), remote: socket.remoteAddress })}\n`);
  });
  tcp.listen(port, '0.0.0.0', up);
  const udp = createSocket('udp4');
  udp.on('message', (msg, from) => udp.send(msg, from.port, from.address));
  udp.bind(port, '0.0.0.0', up);
  createInterface({ input: process.stdin }).on('close', () => process.exit(0));
}

function ask(address: string, port: number, timeoutMs: number): void {
  const start = Date.now();
  const socket = connect({ host: address, port });
  let answer = '';
  const timer = setTimeout(() => {
    print({ error: 'TIMEOUT', ms: Date.now() - start });
    process.exit(0);
  }, timeoutMs);
  socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
  socket.on('end', () => {
    clearTimeout(timer);
    print({ ...(JSON.parse(answer) as object), ms: Date.now() - start });
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    print({ error: err.code ?? err.message, ms: Date.now() - start });
  });
}

function udp(address: string, port: number, count: number, intervalMs: number): void {
  const socket = createSocket('udp4');
  const seen = new Set<number>();
  let sent = 0;
  let sendErrors = 0;
  socket.on('message', (msg) => seen.add(msg.readUInt32BE(0)));
  socket.on('error', () => (sendErrors += 1));
  socket.bind(0, () => {
    const timer = setInterval(() => {
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(sent);
      sent += 1;
      socket.send(buf, port, address, (err) => {
        if (err) sendErrors += 1;
      });
      if (sent >= count) {
        clearInterval(timer);
        // Echoes still on their way get a second.
        setTimeout(() => {
          print({ sent, received: seen.size, sendErrors });
          socket.close();
        }, 1_000);
      }
    }, intervalMs);
  });
}

switch (command) {
  case 'serve':
    serve(Number(args[0]));
    break;
  case 'ask':
    ask(args[0] ?? '', Number(args[1]), Number(args[2] ?? 3_000));
    break;
  case 'udp':
    udp(args[0] ?? '', Number(args[1]), Number(args[2]), Number(args[3] ?? 1));
    break;
  default:
    process.stderr.write(`probe-main: unknown command '${command}'\n`);
    process.exit(2);
}
