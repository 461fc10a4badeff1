/**
 * `npm run bench -- pipeline [--single N] [--batch N]`: records per second end to end, on real
 * processes: a node-soap source system (FIFO) and target system in this process, one `aes run`
 * node running an outbound and an inbound endpoint (the test/e2e fixtures), over the node's
 * embedded broker and over RabbitMQ's STOMP plugin; single-record mode and batch mode
 * (batchSize 50: PopMany, pipelined publishes, PoppedMany, PutMany). The clock starts when the records are
 * put into the idle FIFO and stops when the target holds all of them.
 * Baseline, same run: sequential SOAP round trips per second against the same target system
 * (what one record costs at least, per web-service call).
 * Ends with one JSON line {"suite":"pipeline","rows":[{"case","records_per_s","lost","duplicates"}]}.
 */
import { randomUUID } from 'node:crypto';
import { SourceSystem, TargetSystem, makeRecords } from '../test/runtime/support/soap-systems.js';
import { targetClient } from '../test/runtime/support/soap-endpoints.js';
import { makeProject, RunningNode } from '../test/e2e/support/project.js';
import { isListening } from '../test/support/services.js';
import { fetchClusterStatus, loadConfig } from '../runtime/node/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
const SINGLE = arg('--single', 300);
const BATCH = arg('--batch', 3_000);
const BATCH_SIZE = 50;
const DEADLINE_MS = 600_000;
const RABBIT = 'stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=600000';

interface Row {
  readonly case: string;
  readonly records_per_s: number;
  readonly lost: number;
  readonly duplicates: number;
}

/** Until the inbound endpoint subscribed and the outbound one polls the empty FIFO. */
async function waitIdle(node: RunningNode): Promise<void> {
  const config = await loadConfig(node.project.configFile);
  const until = Date.now() + 120_000;
  for (;;) {
    const status = await fetchClusterStatus(config);
    const steps = status.nodes.flatMap((n) =>
      n.error === undefined ? n.endpoints.map((e) => e.step) : [],
    );
    if (steps.length === 2 && steps.every((s) => s === 'waiting' || s === 'idle' || s === 'pop'))
      return;
    if (Date.now() > until) throw new Error(`endpoints not idle within 120 s: ${steps.join(',')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runCase(name: string, count: number, batch: boolean, broker?: string): Promise<Row> {
  const source = await SourceSystem.start([]);
  const target = await TargetSystem.start();
  const settings = batch ? { batchSize: BATCH_SIZE, prefetch: BATCH_SIZE } : {};
  await using project = await makeProject({
    node: `bench-${randomUUID().slice(0, 8)}`,
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
    config: {
      ...(broker === undefined ? {} : { broker: { urls: [broker] } }),
      endpoints: { defaults: settings },
    },
  });
  try {
    await using node = await RunningNode.start('bench', project, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/bench-${randomUUID()}`,
    });
    await waitIdle(node);
    source.records.push(...makeRecords(count));
    const started = performance.now();
    const until = Date.now() + DEADLINE_MS;
    while (target.accepted.length < count && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500)); // duplicates would come behind
    const ids = new Set(target.accepted.map((a) => a.messageId));
    const row: Row = {
      case: name,
      records_per_s: Math.round(Math.min(target.accepted.length, count) / seconds),
      lost: count - ids.size,
      duplicates: target.accepted.length - ids.size,
    };
    console.log(
      `${name.padEnd(16)} ${String(count).padStart(6)} records  ${String(row.records_per_s).padStart(6)} records/s  lost ${row.lost}  duplicates ${row.duplicates}`,
    );
    return row;
  } finally {
    await source.close();
    await target.close();
  }
}

async function baseline(): Promise<number> {
  const target = await TargetSystem.start();
  try {
    const client = await targetClient(target.url);
    const calls = 500;
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) {
      await client.PutAsync({ messageId: `b:${i}`, payload: '{"n":1}' }, { timeout: 30_000 });
    }
    return Math.round(calls / ((performance.now() - started) / 1000));
  } finally {
    await target.close();
  }
}

const soapPerS = await baseline();
console.log(`baseline: ${soapPerS} sequential SOAP round trips/s (node-soap client and server)`);
const rows: Row[] = [];
rows.push(await runCase('embedded-single', SINGLE, false));
rows.push(await runCase('embedded-batch', BATCH, true));
if (await isListening('127.0.0.1', 61613)) {
  rows.push(await runCase('rabbitmq-single', SINGLE, false, RABBIT));
  rows.push(await runCase('rabbitmq-batch', BATCH, true, RABBIT));
} else {
  console.log('RabbitMQ STOMP is not listening on 127.0.0.1:61613: its cases are left out');
}
console.log(`\ncase              records/s  baseline (SOAP calls/s)  lost  duplicates`);
for (const row of rows) {
  console.log(
    `${row.case.padEnd(16)}  ${String(row.records_per_s).padStart(9)}  ${String(soapPerS).padStart(23)}  ${String(row.lost).padStart(4)}  ${String(row.duplicates).padStart(10)}`,
  );
}
console.log(JSON.stringify({ suite: 'pipeline', rows }));
