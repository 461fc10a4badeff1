/**
 * `npm run bench -- broker [--messages N]`: the embedded broker (run as `aes broker`, a child
 * process) against RabbitMQ's STOMP plugin (127.0.0.1:61613, guest/guest, persistent messages on
 * durable queues), with the same client, stompit (no-delay on, content-length set):
 *   1. durable SEND-with-RECEIPT one at a time (msg/s, p50, p99 latency),
 *   2. pipelined SENDs, 1000 receipts outstanding,
 *   3. draining with client-individual ACKs (prefetch 1000).
 * 1 KiB bodies. The client's socket writes are coalesced per tick (see coalesceWrites).
 * Ends with one JSON line {"suite":"broker","rows":[...]}.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import stompit from 'stompit';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RABBIT = { host: '127.0.0.1', port: 61613, login: 'guest', passcode: 'guest' };
const WINDOW = 1000;
const PREFETCH = 1000;
const PHASE_DEADLINE_MS = 300_000;

const argIndex = process.argv.indexOf('--messages');
const MESSAGES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;
if (!Number.isInteger(MESSAGES) || MESSAGES < 1)
  throw new Error('--messages must be a positive integer');
const BODY = Buffer.alloc(1024, 'x');

interface Row {
  case: 'embedded' | 'rabbitmq';
  send_receipt_per_s: number;
  send_p50_ms: number;
  send_p99_ms: number;
  pipelined_per_s: number;
  drain_per_s: number;
}

function withDeadline<T>(what: string, p: Promise<T>, ms = PHASE_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bench: ${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function openClient(
  host: string,
  port: number,
  credentials: { login?: string; passcode?: string },
): Promise<stompit.Client> {
  const socket = netConnect(port, host);
  // stompit leaves Nagle on: every SEND→RECEIPT would wait for delayed ACKs.
  socket.setNoDelay(true);
  coalesceWrites(socket);
  const client = new stompit.Client(socket);
  client.setMaxListeners(0);
  client.on('error', (err: Error) => console.error(`bench: ${host}:${port}: ${err.message}`));
  await withDeadline(
    `CONNECT to ${host}:${port}`,
    new Promise<void>((resolve, reject) => {
      client.connect(
        { host: '/', 'accept-version': '1.2', 'heart-beat': '0,0', ...credentials },
        (err) => (err ? reject(err) : resolve()),
      );
    }),
    15_000,
  );
  return client;
}

/**
 * stompit writes each frame in several socket writes (headers, body, NUL), one syscall each;
 * on this 2-core machine that client CPU, not the broker, caps throughput. Coalescing the
 * socket's writes per tick (cork, uncork on the next tick) keeps the client out of the way.
 * Applied identically to both brokers; it changes no frame on the wire.
 */
function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  };
}

function sendHeaders(destination: string): Record<string, string> {
  // content-length set by us: stompit never sets it. persistent:true for RabbitMQ durability.
  return {
    destination,
    persistent: 'true',
    'content-type': 'application/octet-stream',
    'content-length': String(BODY.length),
  };
}

function sendOne(client: stompit.Client, destination: string): Promise<void> {
  return new Promise((resolve) => {
    const frame = client.send(sendHeaders(destination), { onReceipt: () => resolve() } as never);
    frame.end(BODY);
  });
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i] ?? 0;
}

async function oneAtATime(
  client: stompit.Client,
  destination: string,
): Promise<{ perS: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i += 1) {
    const t = performance.now();
    await sendOne(client, destination);
    latencies.push(performance.now() - t);
  }
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    perS: (MESSAGES / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function pipelined(client: stompit.Client, destination: string): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let confirmed = 0;
    const pump = (): void => {
      while (sent < MESSAGES && sent - confirmed < WINDOW) {
        sent += 1;
        const frame = client.send(sendHeaders(destination), {
          onReceipt: () => {
            confirmed += 1;
            if (confirmed === MESSAGES) resolve();
            else pump();
          },
        } as never);
        frame.end(BODY);
      }
    };
    pump();
  });
  return (MESSAGES / (performance.now() - start)) * 1000;
}

/** Receives and ACKs (client-individual) `count` messages; the last ACK waits for its receipt. */
async function drain(client: stompit.Client, destination: string, count: number): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    const subscription = client.subscribe(
      { destination, ack: 'client-individual', 'prefetch-count': String(PREFETCH) },
      (err, message) => {
        if (err) {
          reject(err);
          return;
        }
        message.readString('utf8', (readErr) => {
          if (readErr) {
            reject(readErr);
            return;
          }
          received += 1;
          if (received < count) {
            client.ack(message);
            return;
          }
          client.ack(message, {}, {
            onReceipt: () => {
              subscription.unsubscribe();
              resolve();
            },
          } as never);
        });
      },
    );
  });
  return (count / (performance.now() - start)) * 1000;
}

function disconnect(client: stompit.Client): Promise<void> {
  return withDeadline(
    'DISCONNECT',
    new Promise<void>((resolve) => client.disconnect(() => resolve())),
    15_000,
  ).catch(() => client.destroy(new Error('DISCONNECT receipt did not arrive')));
}

async function runCase(
  name: Row['case'],
  host: string,
  port: number,
  credentials: { login?: string; passcode?: string },
  prefix: string,
): Promise<Row> {
  const client = await openClient(host, port, credentials);
  const qa = `/queue/${prefix}-one`;
  const qb = `/queue/${prefix}-pipe`;
  const single = await withDeadline(`${name} one-at-a-time`, oneAtATime(client, qa));
  console.log(
    `${name.padEnd(9)} send+receipt one at a time: ${single.perS.toFixed(0)} msg/s  p50 ${single.p50.toFixed(3)} ms  p99 ${single.p99.toFixed(3)} ms`,
  );
  const pipe = await withDeadline(`${name} pipelined`, pipelined(client, qb));
  console.log(`${name.padEnd(9)} pipelined (window ${WINDOW}):    ${pipe.toFixed(0)} msg/s`);
  const drained = await withDeadline(`${name} drain`, drain(client, qa, MESSAGES));
  console.log(`${name.padEnd(9)} drain, client-individual:   ${drained.toFixed(0)} msg/s`);
  // Clean up: empty the pipelined queue too (not measured).
  await withDeadline(`${name} cleanup drain`, drain(client, qb, MESSAGES));
  await disconnect(client);
  return {
    case: name,
    send_receipt_per_s: Math.round(single.perS),
    send_p50_ms: round3(single.p50),
    send_p99_ms: round3(single.p99),
    pipelined_per_s: Math.round(pipe),
    drain_per_s: Math.round(drained),
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

async function startEmbedded(
  dataDir: string,
): Promise<{ child: ChildProcessByStdio<null, Readable, null>; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/run.ts',
      'broker',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--prefetch',
      String(PREFETCH),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const line = await withDeadline(
    'aes broker to start',
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`aes broker exited (${code})`)));
    }),
    30_000,
  );
  const port = Number(/:(\d+),/.exec(line)?.[1]);
  if (!(port > 0)) throw new Error(`bench: unexpected aes broker output: ${line}`);
  return { child, port };
}

async function main(): Promise<void> {
  const runId = `aes-bench-${process.pid}-${Date.now().toString(36)}`;
  console.log(
    `broker bench: ${MESSAGES} messages of ${BODY.length} bytes per case, stompit client (no-delay, content-length)`,
  );
  const rows: Row[] = [];

  const dataDir = mkdtempSync(join(tmpdir(), 'aes-bench-broker-'));
  const embedded = await startEmbedded(dataDir);
  try {
    rows.push(await runCase('embedded', '127.0.0.1', embedded.port, {}, runId));
  } finally {
    const exited = new Promise<void>((resolve) => embedded.child.once('exit', () => resolve()));
    embedded.child.kill('SIGTERM');
    await withDeadline('aes broker to stop', exited, 15_000).catch(() =>
      embedded.child.kill('SIGKILL'),
    );
    rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    rows.push(
      await runCase(
        'rabbitmq',
        RABBIT.host,
        RABBIT.port,
        { login: RABBIT.login, passcode: RABBIT.passcode },
        runId,
      ),
    );
  } finally {
    // RabbitMQ names a STOMP /queue/x queue "x"; delete what we created (already drained).
    for (const q of [`${runId}-one`, `${runId}-pipe`]) {
      spawnSync('rabbitmqctl', ['delete_queue', q], { stdio: 'ignore', timeout: 60_000 });
    }
  }

  const [e, r] = rows;
  if (e !== undefined && r !== undefined) {
    const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
    console.log(
      `embedded vs rabbitmq: one at a time ${ratio(e.send_receipt_per_s, r.send_receipt_per_s)} (goal 2×), ` +
        `pipelined ${ratio(e.pipelined_per_s, r.pipelined_per_s)} (goal 5×), ` +
        `drain ${ratio(e.drain_per_s, r.drain_per_s)} (goal 3×)`,
    );
  }
  console.log(JSON.stringify({ suite: 'broker', rows }));
}

await main();
