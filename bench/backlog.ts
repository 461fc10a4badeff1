/**
 * `npm run bench -- backlog [--messages N] [--memory-budget-mb M]`: a backlog that outlives an
 * outage. The embedded broker runs as `aes broker` (a child process); N messages of 1 KiB
 * (default 1,000,000) are sent to one queue with receipts (1,000 outstanding), the broker is
 * killed with SIGKILL, started again on the same data, and the queue is drained with
 * client-individual ACKs (prefetch 1,000). Measured: the broker's RSS idle, after filling, after
 * the restart and after draining (7 s after, then each second until it meets its goal, for at
 * most 60 s: V8 gives back its heap's garbage once idle); the time from the restart (spawn) to the first delivery; the
 * drain rate. The baseline, measured first in the same run by its own broker process: the drain
 * rate of 20,000 messages, as `npm run bench -- broker` measures it.
 * Ends with one JSON line {"suite":"backlog",...}.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess } from '../test/support/broker-process.js';
import { StompBenchClient } from './stomp-bench-client.js';
import { withDeadline, type DeadlineErrors } from '../util/index.js';

const PREFETCH = 1000;
const WINDOW = 1000;
const BASELINE_MESSAGES = 20_000;
const PHASE_DEADLINE_MS = 1_800_000;
/** Settling time before an RSS reading (the write-behind commits 5 s after the last change). */
const SETTLE_MS = 7_000;
/**
 * How long the RSS after draining is watched: V8's memory reducer gives back the garbage the
 * heap headroom let the drain leave (up to 128 MiB) once the process has been idle for some
 * 25 s; the broker releases LMDB's map 1 s after its last read (broker/lmdb-map.ts).
 */
const DRAINED_WATCH_MS = 60_000;
const PHASE_ERRORS: DeadlineErrors = {
  timeout: (what, ms) => new Error(`bench: ${what} took over ${ms} ms`),
  aborted: (what) => new Error(`bench: ${what} aborted`),
};
const GOALS = {
  restartOverIdleMb: 256,
  restartS: 3,
  drainedOverIdleMb: 64,
};

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const MESSAGES = flag('--messages', 1_000_000);
const budgetAt = process.argv.indexOf('--memory-budget-mb');
const BUDGET_ARGS = budgetAt > 0 ? ['--memory-budget-mb', process.argv[budgetAt + 1] ?? ''] : [];
const BODY = Buffer.alloc(1024, 'x');

function phase<T>(what: string, p: Promise<T>, ms = PHASE_DEADLINE_MS): Promise<T> {
  return withDeadline({ operation: what, timeoutMs: ms, errors: PHASE_ERRORS }, () => p);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process's resident memory in MB, and its anonymous and file-backed parts. */
interface Rss {
  readonly total: number;
  readonly anon: number;
  readonly file: number;
}

function rssOf(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? 0 : Number(match[1]) / 1024;
  };
  return { total: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

function startBroker(dataDir: string): Promise<BrokerProcess> {
  return startBrokerProcess(
    ['--port', '0', '--data-dir', dataDir, '--prefetch', String(PREFETCH), ...BUDGET_ARGS],
    120_000,
  );
}

function pidOf(broker: BrokerProcess): number {
  const pid = broker.child.pid;
  if (pid === undefined) throw new Error('bench: aes broker has no pid');
  return pid;
}

async function stop(broker: BrokerProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (broker.child.exitCode !== null || broker.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => broker.child.once('exit', () => resolve()));
  broker.child.kill(signal);
  await phase(`aes broker to stop (${signal})`, exited, 60_000).catch(() =>
    broker.child.kill('SIGKILL'),
  );
}

/** Receives and ACKs `count` messages; the rate (msg/s) from the first message to the last ACK's receipt. */
async function drain(
  client: StompBenchClient,
  destination: string,
  count: number,
  onFirst: () => void = () => undefined,
): Promise<number> {
  const { firstAt, doneAt } = await client.drainAll(destination, count, PREFETCH, onFirst);
  return (count / Math.max(1, doneAt - firstAt)) * 1000;
}

/** The 20,000-message drain rate of a fresh broker (as `npm run bench -- broker` measures it). */
async function baselineDrain(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'aes-bench-backlog-base-'));
  const broker = await startBroker(dir);
  try {
    const client = await StompBenchClient.open('127.0.0.1', broker.port, {}, 15_000);
    try {
      await phase(
        'baseline fill',
        client.sendAll('/queue/baseline', BODY, BASELINE_MESSAGES, WINDOW),
      );
      return await phase('baseline drain', drain(client, '/queue/baseline', BASELINE_MESSAGES));
    } finally {
      await client.close(15_000);
    }
  } finally {
    await stop(broker, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function mb(rss: Rss): string {
  return `${rss.total.toFixed(0)} MB (anon ${rss.anon.toFixed(0)}, file ${rss.file.toFixed(0)})`;
}

async function main(): Promise<void> {
  const destination = `/queue/backlog-${Date.now().toString(36)}`;
  console.log(
    `backlog bench: ${MESSAGES} messages of ${BODY.length} bytes, receipted, kill -9, restart, drain (prefetch ${PREFETCH})${BUDGET_ARGS.length > 0 ? `, ${BUDGET_ARGS.join(' ')}` : ''}`,
  );
  const baseline = await baselineDrain();
  console.log(`baseline: drain of ${BASELINE_MESSAGES} messages ${baseline.toFixed(0)} msg/s`);

  const dataDir = mkdtempSync(join(tmpdir(), 'aes-bench-backlog-'));
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBroker(dataDir);
    await sleep(2_000);
    const idle = rssOf(pidOf(broker));
    console.log(`idle:            ${mb(idle)}`);

    const producer = await StompBenchClient.open('127.0.0.1', broker.port, {}, 15_000);
    const fillStart = performance.now();
    await phase('fill', producer.sendAll(destination, BODY, MESSAGES, WINDOW));
    const fillS = (performance.now() - fillStart) / 1000;
    const filled = rssOf(pidOf(broker));
    console.log(
      `filled:          ${mb(filled)} after ${fillS.toFixed(1)} s (${(MESSAGES / fillS).toFixed(0)} msg/s)`,
    );
    await stop(broker, 'SIGKILL');
    await producer.close(1_000).catch(() => undefined);

    const restartAt = performance.now();
    broker = await startBroker(dataDir);
    const listeningS = (performance.now() - restartAt) / 1000;
    const restarted = rssOf(pidOf(broker));
    const consumer = await StompBenchClient.open('127.0.0.1', broker.port, {}, 15_000);
    let restartS = 0;
    let peak = restarted;
    const pid = pidOf(broker);
    const sampler = setInterval(() => {
      const now = rssOf(pid);
      if (now.total > peak.total) peak = now;
    }, 250);
    let drainPerS: number;
    try {
      drainPerS = await phase(
        'drain',
        drain(consumer, destination, MESSAGES, () => {
          restartS = (performance.now() - restartAt) / 1000;
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    console.log(
      `restarted:       ${mb(restarted)}; listening after ${listeningS.toFixed(2)} s, first delivery after ${restartS.toFixed(2)} s`,
    );
    console.log(
      `drained:         ${drainPerS.toFixed(0)} msg/s; peak RSS while draining ${mb(peak)}`,
    );
    await consumer.close(15_000);
    const drainedAt = performance.now();
    await sleep(SETTLE_MS);
    console.log(`after draining:  ${mb(rssOf(pid))} (${SETTLE_MS / 1000} s later)`);
    // Then until it meets the goal, or the watch ends.
    let drained = rssOf(pid);
    while (
      drained.total > idle.total + GOALS.drainedOverIdleMb &&
      performance.now() - drainedAt < DRAINED_WATCH_MS
    ) {
      await sleep(1_000);
      drained = rssOf(pid);
    }
    const drainedS = (performance.now() - drainedAt) / 1000;
    console.log(`                 ${mb(drained)} (${drainedS.toFixed(0)} s later)`);

    const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
    const rows: [string, string, string, string][] = [
      ['idle RSS', `${idle.total.toFixed(0)} MB`, '-', ''],
      ['RSS after filling', `${filled.total.toFixed(0)} MB`, '-', ''],
      [
        'RSS after restart',
        `${restarted.total.toFixed(0)} MB`,
        `<= idle + ${GOALS.restartOverIdleMb} MB (${(idle.total + GOALS.restartOverIdleMb).toFixed(0)})`,
        verdict(restarted.total <= idle.total + GOALS.restartOverIdleMb),
      ],
      [
        'restart to first delivery',
        `${restartS.toFixed(2)} s`,
        `<= ${GOALS.restartS} s (at 5,000,000)`,
        verdict(restartS <= GOALS.restartS),
      ],
      [
        'drain',
        `${drainPerS.toFixed(0)} msg/s`,
        `>= baseline ${baseline.toFixed(0)} msg/s`,
        verdict(drainPerS >= baseline),
      ],
      [
        'RSS after draining',
        `${drained.total.toFixed(0)} MB (${drainedS.toFixed(0)} s after)`,
        `<= idle + ${GOALS.drainedOverIdleMb} MB (${(idle.total + GOALS.drainedOverIdleMb).toFixed(0)})`,
        verdict(drained.total <= idle.total + GOALS.drainedOverIdleMb),
      ],
    ];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
    console.log('');
    console.log(
      `${'figure'.padEnd(widths[0] ?? 0)}  ${'measured'.padEnd(widths[1] ?? 0)}  ${'goal'.padEnd(widths[2] ?? 0)}`,
    );
    for (const r of rows) {
      console.log(
        `${r[0].padEnd(widths[0] ?? 0)}  ${r[1].padEnd(widths[1] ?? 0)}  ${r[2].padEnd(widths[2] ?? 0)}  ${r[3]}`,
      );
    }
    console.log(
      JSON.stringify({
        suite: 'backlog',
        messages: MESSAGES,
        filled_rss_mb: Math.round(filled.total),
        restart_rss_mb: Math.round(restarted.total),
        restart_s: Math.round(restartS * 100) / 100,
        drain_per_s: Math.round(drainPerS),
        drained_rss_mb: Math.round(drained.total),
        idle_rss_mb: Math.round(idle.total),
      }),
    );
  } finally {
    if (broker !== undefined) await stop(broker, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
