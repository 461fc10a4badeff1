/**
 * `npm run bench -- broker [--messages N] [--rounds R]`: the embedded broker (run as `aes broker`, a child
 * process) against RabbitMQ's STOMP plugin (127.0.0.1:61613, guest/guest, persistent messages on
 * durable queues), with the same client (bench/stomp-bench-client.ts: lean, so that the client's
 * CPU is not what is measured):
 *   1. durable SEND-with-RECEIPT one at a time (msg/s, p50, p99 latency),
 *   2. pipelined SENDs, 1000 receipts outstanding,
 *   3. draining with client-individual ACKs (prefetch 1000).
 * 1 KiB bodies. The client's frames of one event-loop turn leave in one socket write.
 * Ends with one JSON line {"suite":"broker","rows":[...]}.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess } from '../test/support/broker-process.js';
import { StompBenchClient } from './stomp-bench-client.js';
import { withDeadline, type DeadlineErrors } from '../util/index.js';

const RABBIT = { host: '127.0.0.1', port: 61613, login: 'guest', passcode: 'guest' };
const WINDOW = 1000;
const PREFETCH = 1000;
const PHASE_DEADLINE_MS = 300_000;
const PHASE_ERRORS: DeadlineErrors = {
  timeout: (what, ms) => new Error(`bench: ${what} took over ${ms} ms`),
  aborted: (what) => new Error(`bench: ${what} aborted`),
};

const argIndex = process.argv.indexOf('--messages');
const MESSAGES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;
const roundsIndex = process.argv.indexOf('--rounds');
/** Rounds of every phase; each figure is the best round's (the machine is shared). */
const ROUNDS = roundsIndex > 0 ? Number(process.argv[roundsIndex + 1]) : 3;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
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

/** A bench phase under a deadline (the package's one `withDeadline`): a stuck phase fails the run. */
function phase<T>(what: string, p: Promise<T>, ms = PHASE_DEADLINE_MS): Promise<T> {
  return withDeadline({ operation: what, timeoutMs: ms, errors: PHASE_ERRORS }, () => p);
}

function openClient(
  host: string,
  port: number,
  credentials: { login?: string; passcode?: string },
): Promise<StompBenchClient> {
  return StompBenchClient.open(host, port, credentials, 15_000);
}

function sendOne(client: StompBenchClient, destination: string): Promise<void> {
  return new Promise((resolve) => client.send(destination, BODY, resolve));
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i] ?? 0;
}

async function oneAtATime(
  client: StompBenchClient,
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

async function pipelined(client: StompBenchClient, destination: string): Promise<number> {
  const start = performance.now();
  await client.sendAll(destination, BODY, MESSAGES, WINDOW);
  return (MESSAGES / (performance.now() - start)) * 1000;
}

/** Receives and ACKs (client-individual) `count` messages; the last ACK waits for its receipt. */
async function drain(
  client: StompBenchClient,
  destination: string,
  count: number,
): Promise<number> {
  const start = performance.now();
  const { doneAt } = await client.drainAll(destination, count, PREFETCH);
  return (count / (doneAt - start)) * 1000;
}

interface Target {
  readonly name: Row['case'];
  readonly client: StompBenchClient;
  readonly one: string;
  readonly pipe: string;
}

function label(name: string): string {
  return name.padEnd(9);
}

/**
 * Runs each phase on every target before the next phase, so that load from other processes on
 * this shared machine drifts over both brokers alike; all of it {@link ROUNDS} times, on fresh
 * queues. Each figure is the best round's (for one at a time, the latencies of that round).
 */
async function runPhases(targets: readonly Target[]): Promise<Row[]> {
  const best = new Map<string, Row>();
  for (let round = 1; round <= ROUNDS; round += 1) {
    const rows = await runRound(targets, round);
    for (const row of rows) {
      const prev = best.get(row.case);
      if (prev === undefined) {
        best.set(row.case, row);
        continue;
      }
      const single = row.send_receipt_per_s > prev.send_receipt_per_s ? row : prev;
      best.set(row.case, {
        case: row.case,
        send_receipt_per_s: single.send_receipt_per_s,
        send_p50_ms: single.send_p50_ms,
        send_p99_ms: single.send_p99_ms,
        pipelined_per_s: Math.max(prev.pipelined_per_s, row.pipelined_per_s),
        drain_per_s: Math.max(prev.drain_per_s, row.drain_per_s),
      });
    }
  }
  return targets.map((t) => {
    const row = best.get(t.name);
    if (row === undefined) throw new Error(`bench: no figures for ${t.name}`);
    return row;
  });
}

async function runRound(targets: readonly Target[], round: number): Promise<Row[]> {
  const single = new Map<string, { perS: number; p50: number; p99: number }>();
  const pipe = new Map<string, number>();
  const drained = new Map<string, number>();
  const one = (t: Target): string => `${t.one}-r${round}`;
  const piped = (t: Target): string => `${t.pipe}-r${round}`;
  console.log(`round ${round} of ${ROUNDS}`);
  for (const t of targets) {
    const r = await phase(`${t.name} one-at-a-time`, oneAtATime(t.client, one(t)));
    single.set(t.name, r);
    console.log(
      `  ${label(t.name)} send+receipt one at a time: ${r.perS.toFixed(0)} msg/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms`,
    );
  }
  for (const t of targets) {
    const r = await phase(`${t.name} pipelined`, pipelined(t.client, piped(t)));
    pipe.set(t.name, r);
    console.log(`  ${label(t.name)} pipelined (window ${WINDOW}):    ${r.toFixed(0)} msg/s`);
  }
  for (const t of targets) {
    const r = await phase(`${t.name} drain`, drain(t.client, one(t), MESSAGES));
    drained.set(t.name, r);
    console.log(`  ${label(t.name)} drain, client-individual:   ${r.toFixed(0)} msg/s`);
  }
  for (const t of targets) {
    // Empty the pipelined queue too (not measured).
    await phase(`${t.name} cleanup drain`, drain(t.client, piped(t), MESSAGES));
  }
  return targets.map((t) => {
    const s1 = single.get(t.name);
    return {
      case: t.name,
      send_receipt_per_s: Math.round(s1?.perS ?? 0),
      send_p50_ms: round3(s1?.p50 ?? 0),
      send_p99_ms: round3(s1?.p99 ?? 0),
      pipelined_per_s: Math.round(pipe.get(t.name) ?? 0),
      drain_per_s: Math.round(drained.get(t.name) ?? 0),
    };
  });
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function startEmbedded(dataDir: string): Promise<BrokerProcess> {
  return startBrokerProcess(
    ['--port', '0', '--data-dir', dataDir, '--prefetch', String(PREFETCH)],
    30_000,
  );
}

/**
 * The disk's flush latency right now (append 1 KiB + fdatasync, one at a time, in the data
 * directory's file system): the floor under any durable one-at-a-time receipt.
 */
async function flushLatencyMs(dir: string): Promise<{ p50: number; p99: number }> {
  const file = join(dir, 'flush-probe');
  const fd = openSync(file, 'w');
  const latencies: number[] = [];
  try {
    for (let i = 0; i < 300; i += 1) {
      const t = performance.now();
      writeSync(fd, BODY);
      await new Promise<void>((resolve, reject) =>
        fdatasync(fd, (err) => (err ? reject(err) : resolve())),
      );
      latencies.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const runId = `aes-bench-${process.pid}-${Date.now().toString(36)}`;
  console.log(
    `broker bench: ${MESSAGES} messages of ${BODY.length} bytes per case, best of ${ROUNDS} rounds, one STOMP 1.2 bench client for both brokers`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'aes-bench-broker-'));
  const flush = await flushLatencyMs(dataDir);
  console.log(
    `disk flush (append 1 KiB + fdatasync) now: p50 ${flush.p50.toFixed(3)} ms  p99 ${flush.p99.toFixed(3)} ms`,
  );
  const embedded = await startEmbedded(dataDir);
  const clients: StompBenchClient[] = [];
  let rows: Row[] = [];
  try {
    const own = await openClient('127.0.0.1', embedded.port, {});
    clients.push(own);
    const rabbit = await openClient(RABBIT.host, RABBIT.port, {
      login: RABBIT.login,
      passcode: RABBIT.passcode,
    }).catch((err: unknown) => {
      throw new Error(
        `bench: RabbitMQ STOMP (the baseline) is not reachable on ${RABBIT.host}:${RABBIT.port}; run .ci/services.sh`,
        { cause: err },
      );
    });
    clients.push(rabbit);
    rows = await runPhases([
      { name: 'embedded', client: own, one: `/queue/${runId}-one`, pipe: `/queue/${runId}-pipe` },
      {
        name: 'rabbitmq',
        client: rabbit,
        one: `/queue/${runId}-one`,
        pipe: `/queue/${runId}-pipe`,
      },
    ]);
  } finally {
    for (const c of clients) await c.close(15_000);
    const exited = new Promise<void>((resolve) => embedded.child.once('exit', () => resolve()));
    embedded.child.kill('SIGTERM');
    await phase('aes broker to stop', exited, 15_000).catch(() => embedded.child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
    // RabbitMQ names a STOMP /queue/x queue "x"; delete what we created (already drained).
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const q of [`${runId}-one-r${round}`, `${runId}-pipe-r${round}`]) {
        spawnSync('rabbitmqctl', ['delete_queue', q], { stdio: 'ignore', timeout: 60_000 });
      }
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
