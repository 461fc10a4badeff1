/**
 * `npm run bench -- failover [--records N] [--batch N] [--prefetch N] [--rounds N] [--lease-ms MS]
 * [--warmup N] [--case NAME] [--engine etcd|postgres]`: endpoints placed by lease (issue 16), for etcd (a private one, as the
 * tests start) and PostgreSQL (127.0.0.1:5432, a fresh schema per case, dropped at the end).
 *
 * - `<engine>-failover`: two `aes run` nodes with the outbound and inbound endpoint of the e2e
 *   fixtures (single mode, `E2E_IN_LOOKUP=1`), sharing RabbitMQ's STOMP plugin and the SOAP
 *   source and target systems of this process. While `--records` records flow through the owner,
 *   its node and its endpoint processes are killed with SIGKILL at once; the clock runs from the
 *   kill to the first record the target accepts after the standby acquired the inbound
 *   endpoint's lease (a put already on the wire at the kill is counted apart, as in flight).
 *   Then lost and duplicates over all records. Goal: failover ≤ lease + 2 s, 0 lost, 0 duplicates.
 *   The standby keeps warm standbys (the default); `<engine>-failover-cold`, run first as the
 *   baseline, is the same with `coordination.warmStandby: false` (the process starts on the lease).
 * - `<engine>-{single,batch}-{local,shared}`: one node, the node's embedded broker; records/s
 *   with the records in the engine (shared: `coordination` in the config) and, the baseline of
 *   the same run, without `coordination` (local stores in the data folder). Single mode
 *   `--records` records, batch mode (batchSize 50 and prefetch 50 — `--prefetch` — as the pipeline
 *   bench) `--batch` records,
 *   after `--warmup` records through the fresh processes. `--rounds` rounds (default 3), local
 *   and shared in turn; each figure is the median of its rounds. Goal: shared costs at most 20%
 *   of batch-mode throughput (shared ≥ 0.8 × local).
 * - `<engine>-batch-ledger`: as `batch-shared`, with the inbound endpoint in `shared` mode
 *   (`coordination.shared`): one instance, its de-duplication the claims ledger in the engine.
 *
 * Ends with one JSON line {"suite":"failover","rows":[{"engine","lease_s","failover_s",
 * "cold_failover_s","lost","duplicates","shared_dedup_batch_per_s","local_dedup_batch_per_s",
 * "shared_dedup_single_per_s","local_dedup_single_per_s","ledger_dedup_batch_per_s"}]}, one row
 * per engine measured; a figure whose case did not run (`--case`, or RabbitMQ absent for the
 * failover) is null.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { SourceSystem, TargetSystem, makeRecords } from '../test/runtime/support/soap-systems.js';
import {
  makeProject,
  runningLine,
  RunningNode,
  type LogLine,
  type Project,
} from '../test/e2e/support/project.js';
import { ETCD_BIN, startPrivateEtcd } from '../test/support/private-etcd.js';
import { isListening } from '../test/support/services.js';
import { isAlive } from '../util/index.js';
import { waitIdle } from './support/endpoints-idle.js';
import { median } from './support/median.js';

function arg(name: string, fallback: number, least = 1): number {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < least)
    throw new Error(`${name} must be an integer >= ${least}`);
  return value;
}
function text(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const RECORDS = arg('--records', 2_000);
/** 30,000: at 4,000-5,000 records/s a shorter run lasts a few seconds, as long as the machine's swings. */
const BATCH = arg('--batch', 30_000);
const LEASE_MS = arg('--lease-ms', 3_000, 1_000);
const WARMUP = arg('--warmup', 100, 0);
/** The warm-up records' FIFO ids begin here, after any measured one. */
const WARMUP_FROM = 10_000_000;
const BATCH_SIZE = 50;
/** The inbound endpoint's prefetch in batch mode: one batch by default, as the pipeline bench. */
const PREFETCH = arg('--prefetch', BATCH_SIZE, 1);
/** Rounds of the throughput cases (local and shared alternate); each figure is their median. */
const ROUNDS = arg('--rounds', 3, 1);

/** Failover goal: the first record from the new owner within the lease time plus this. */
const FAILOVER_SLACK_MS = 2_000;
/** Shared de-duplication may cost at most this share of batch-mode throughput. */
const MAX_SHARED_COST = 0.2;
/** The kill comes once this share of the records reached the target. */
const KILL_AT_SHARE = 0.3;
const START_DEADLINE_MS = 120_000;
const RECORDS_DEADLINE_MS = 600_000;
const RABBIT = 'stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=600000';
const POSTGRES = process.env.AES_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENDPOINTS = { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' } as const;

/** A wait of the bench that passed its deadline. */
class BenchTimeoutError extends Error {
  override readonly name = 'BenchTimeoutError';
  constructor(what: string, timeoutMs: number, options?: ErrorOptions) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`, options);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `ok` every 20 ms; resolves with the time it held. */
async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new BenchTimeoutError(what, timeoutMs);
    await sleep(20);
  }
  return Date.now();
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

type EngineName = 'etcd' | 'postgres';

/** A coordination engine for the bench: a fresh namespace per case, all gone after `close()`. */
interface Engine {
  readonly name: EngineName;
  url(): string;
  close(): Promise<void>;
}

async function openEtcd(): Promise<Engine> {
  const etcd = await startPrivateEtcd();
  return {
    name: 'etcd',
    url: () => `${etcd.url}?namespace=bench${randomBytes(4).toString('hex')}`,
    close: () => etcd.close(),
  };
}

function openPostgres(): Engine {
  const schemas: string[] = [];
  return {
    name: 'postgres',
    url: () => {
      const schema = `aes_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
      schemas.push(schema);
      return `${POSTGRES}?namespace=${schema}`;
    },
    close: async () => {
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Why an engine cannot be measured here, or `undefined`. */
async function skipReason(name: EngineName): Promise<string | undefined> {
  if (name === 'etcd')
    return existsSync(ETCD_BIN) ? undefined : `${ETCD_BIN} is not installed (etcd-server)`;
  return (await isListening('127.0.0.1', 5432))
    ? undefined
    : 'PostgreSQL is not listening on 127.0.0.1:5432';
}

/** Nodes, projects and systems of one case, all stopped and removed by `close()`. */
class Rig implements AsyncDisposable {
  readonly nodes: RunningNode[] = [];
  private readonly projects: Project[] = [];
  private constructor(
    readonly source: SourceSystem,
    readonly target: TargetSystem,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async open(): Promise<Rig> {
    const source = await SourceSystem.start([]);
    const target = await TargetSystem.start();
    return new Rig(source, target, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/bench-failover-${randomUUID()}`,
      E2E_IN_LOOKUP: '1',
    });
  }

  async start(name: string, config: Readonly<Record<string, unknown>>): Promise<RunningNode> {
    const project = await makeProject({ node: name, endpoints: ENDPOINTS, config });
    this.projects.push(project);
    // Spawned, then waited for: a node that never says it started is still stopped by dispose.
    const node = RunningNode.spawn(name, project, this.env);
    this.nodes.push(node);
    await node.waitLine('node started', (l) => l.msg.startsWith('node started'), START_DEADLINE_MS);
    return node;
  }

  /** Every step runs, whichever fails. */
  async [Symbol.asyncDispose](): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [
      () => Promise.all(this.nodes.map((n) => n.stop())),
      () => {
        for (const pid of this.nodes.flatMap((n) => n.endpointPids()))
          if (isAlive(pid)) process.kill(pid, 'SIGKILL');
        return Promise.resolve();
      },
      () => Promise.all(this.projects.map((p) => p[Symbol.asyncDispose]())),
      () => this.source.close(),
      () => this.target.close(),
    ];
    for (const step of steps) await step().catch((err: unknown) => console.error(err));
  }
}

const acquiredLine = (endpoint: string) => (l: LogLine) =>
  l.endpoint === endpoint && l.msg === 'lease acquired: starting';

interface Counted {
  readonly lost: number;
  readonly duplicates: number;
}

/** Lost and duplicates among the records with ids 1..count at the target. */
function count(target: TargetSystem, records: number): Counted {
  const measured = target.accepted.filter((a) => isMeasured(a.messageId));
  const ids = new Set(measured.map((a) => a.messageId));
  return { lost: records - ids.size, duplicates: measured.length - ids.size };
}

/** A measured record's message id (`<endpoint>:<fifo id>`), not a warm-up one. */
function isMeasured(messageId: string): boolean {
  return Number(messageId.slice(messageId.lastIndexOf(':') + 1)) < WARMUP_FROM;
}

interface FailoverResult extends Counted {
  readonly failoverS: number;
  /** From the kill until the standby was seen holding the inbound endpoint's lease. */
  readonly acquiredS: number;
  /** From the kill until its inbound endpoint process was seen running (or put a record). */
  readonly runningS: number;
  /** Records the target accepted after the kill, before the standby held the inbound lease. */
  readonly inFlight: number;
}

/** `warm`: the standby keeps warm standbys (the default); otherwise it starts them on the lease. */
async function failover(url: string, warm: boolean): Promise<FailoverResult> {
  await using rig = await Rig.open();
  const config = {
    broker: { urls: [RABBIT] },
    coordination: { url, leaseMs: LEASE_MS, warmStandby: warm },
  };
  const a = await rig.start('ra', config);
  for (const e of Object.keys(ENDPOINTS))
    await until(`${e} running on ra`, () => a.lines.some(runningLine(e)), START_DEADLINE_MS);
  const b = await rig.start('rb', config);
  await until(
    'rb standing by for both endpoints',
    () => b.lines.filter((l) => /^standing by: ra holds/.test(l.msg)).length >= 2,
    START_DEADLINE_MS,
  );
  const { source, target } = rig;
  for (const r of makeRecords(RECORDS)) source.records.push(r);
  await until(
    'records flowing through ra',
    () => target.accepted.length >= Math.ceil(RECORDS * KILL_AT_SHARE),
    RECORDS_DEADLINE_MS,
  );
  // The owner's host loses power: its node and its endpoint processes die at once.
  for (const pid of [...a.endpointPids(), a.child.pid ?? -1])
    if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  const atKill = target.accepted.length;
  // Puts of the dead node still on the wire are accepted before the standby can hold the lease
  // (the engine keeps it for the lease time); the new owner's first put comes after that.
  const acquiredAt = await until(
    'rb to acquire the inbound lease',
    () => b.lines.some(acquiredLine('orders-in')),
    LEASE_MS + START_DEADLINE_MS,
  );
  const inFlight = target.accepted.length - atKill;
  const firstNew = target.accepted.length;
  await until(
    'a record from the new owner',
    () => target.accepted.length > firstNew,
    START_DEADLINE_MS,
  );
  const first = target.accepted[firstNew];
  const failoverS = ((first?.at ?? Date.now()) - killedAt) / 1000;
  const runningAt = await until(
    'the inbound endpoint running on rb',
    () => b.lines.some(runningLine('orders-in')),
    START_DEADLINE_MS,
  );
  await until(
    `all ${RECORDS} records at the target`,
    () => new Set(target.accepted.map((x) => x.messageId)).size >= RECORDS,
    RECORDS_DEADLINE_MS,
  ).catch((err: unknown) => {
    if (!(err instanceof BenchTimeoutError)) throw err;
    console.log(`  ${err.message}: counted as lost`);
  });
  await sleep(1_000); // a duplicate would come behind
  return {
    failoverS,
    acquiredS: (acquiredAt - killedAt) / 1000,
    runningS: (Math.min(runningAt, first?.at ?? runningAt) - killedAt) / 1000,
    inFlight,
    ...count(target, RECORDS),
  };
}

interface Throughput extends Counted {
  readonly perS: number;
}

/** Records/s through one node, with the records in the engine at `url` or (undefined) local. */
async function throughput(
  url: string | undefined,
  records: number,
  batch: boolean,
  ledger = false,
): Promise<Throughput> {
  await using rig = await Rig.open();
  const shared = ledger ? { shared: ['orders-in'] } : {};
  const node = await rig.start(`bench-${randomUUID().slice(0, 8)}`, {
    ...(url === undefined ? {} : { coordination: { url, leaseMs: LEASE_MS, ...shared } }),
    endpoints: { defaults: batch ? { batchSize: BATCH_SIZE, prefetch: PREFETCH } : {} },
  });
  await waitIdle(node, START_DEADLINE_MS);
  const { source, target } = rig;
  const deadline = Date.now() + RECORDS_DEADLINE_MS;
  const warmup = Math.min(WARMUP, records);
  if (warmup > 0) {
    for (const r of makeRecords(warmup, WARMUP_FROM)) source.records.push(r);
    while (target.accepted.length < warmup && Date.now() < deadline) await sleep(10);
    await waitIdle(node, START_DEADLINE_MS);
  }
  const expected = warmup + records;
  for (const r of makeRecords(records)) source.records.push(r);
  const started = performance.now();
  while (target.accepted.length < expected && Date.now() < deadline) await sleep(10);
  const seconds = (performance.now() - started) / 1000;
  await sleep(500); // duplicates would come behind
  const counted = count(target, records);
  return { perS: Math.round((records - counted.lost) / seconds), ...counted };
}

interface Row {
  engine: EngineName;
  lease_s: number;
  failover_s: number | null;
  /** The same without warm standbys (`coordination.warmStandby: false`): the baseline. */
  cold_failover_s: number | null;
  lost: number | null;
  duplicates: number | null;
  shared_dedup_batch_per_s: number | null;
  local_dedup_batch_per_s: number | null;
  shared_dedup_single_per_s: number | null;
  local_dedup_single_per_s: number | null;
  /** Batch mode with the inbound endpoint in `shared` mode (its claims ledger in the engine). */
  ledger_dedup_batch_per_s: number | null;
}

const only = text('--case');
const chosen = (name: string): boolean => only === undefined || name.includes(only);
const engineArg = text('--engine');
if (engineArg !== undefined && engineArg !== 'etcd' && engineArg !== 'postgres') {
  console.error(`bench failover: --engine must be etcd or postgres, got ${engineArg}`);
  process.exit(2);
}
const engines: EngineName[] = engineArg === undefined ? ['etcd', 'postgres'] : [engineArg];
const CASES = [
  'failover',
  'failover-cold',
  'single-local',
  'single-shared',
  'batch-local',
  'batch-shared',
  'batch-ledger',
];
if (!engines.some((e) => CASES.some((c) => chosen(`${e}-${c}`)))) {
  console.error(
    `bench failover: --case: no case named like ${only} (known: <engine>-${CASES.join(', <engine>-')})`,
  );
  process.exit(2);
}
const rabbit = await isListening('127.0.0.1', 61613);
if (!rabbit)
  console.log(
    'RabbitMQ STOMP is not listening on 127.0.0.1:61613: the failover cases are left out',
  );

/** `<case> <n> records  <figure>  lost n  duplicates n` */
function printThroughput(name: string, records: number, t: Throughput): void {
  console.log(
    `${name.padEnd(24)} ${String(records).padStart(6)} records  ${String(t.perS).padStart(6)} records/s  lost ${t.lost}  duplicates ${t.duplicates}`,
  );
}

/** The shared figure beside its local baseline, and the cost goal when `goal`. */
function printCost(mode: string, shared: number | null, local: number | null, goal: boolean): void {
  if (shared === null || local === null) return;
  const ratio = shared / local;
  const cost = 1 - ratio;
  const verdict = goal
    ? `goal cost ≤ ${MAX_SHARED_COST * 100}%: ${cost <= MAX_SHARED_COST ? 'met' : 'NOT met'}`
    : 'no goal';
  console.log(
    `  ${mode}: shared ${shared} records/s vs local ${local} (baseline): ratio ${ratio.toFixed(2)}, cost ${Math.round(cost * 100)}%, ${verdict}`,
  );
}

async function measure(name: EngineName, engine: Engine): Promise<Row> {
  const row: Row = {
    engine: name,
    lease_s: LEASE_MS / 1000,
    failover_s: null,
    cold_failover_s: null,
    lost: null,
    duplicates: null,
    shared_dedup_batch_per_s: null,
    local_dedup_batch_per_s: null,
    shared_dedup_single_per_s: null,
    local_dedup_single_per_s: null,
    ledger_dedup_batch_per_s: null,
  };
  const lostAndDuplicates: Counted[] = [];
  // The baseline first: the standby starts the endpoint's process once it holds the lease.
  for (const warm of [false, true]) {
    const caseName = `${name}-failover${warm ? '' : '-cold'}`;
    if (!rabbit || !chosen(caseName)) continue;
    const f = await failover(engine.url(), warm);
    row[warm ? 'failover_s' : 'cold_failover_s'] = round1(f.failoverS);
    lostAndDuplicates.push(f);
    const goalS = (LEASE_MS + FAILOVER_SLACK_MS) / 1000;
    const met = f.failoverS <= goalS && f.lost === 0 && f.duplicates === 0;
    const verdict = warm ? (met ? 'met' : 'NOT met') : '(baseline: no warm standby)';
    console.log(
      `${caseName.padEnd(24)} ${String(RECORDS).padStart(6)} records  failover ${round1(f.failoverS)} s (lease ${LEASE_MS / 1000} s, goal ≤ ${goalS} s; lease acquired at ${round1(f.acquiredS)} s, endpoint running at ${round1(f.runningS)} s)  in flight at the kill ${f.inFlight}  lost ${f.lost}  duplicates ${f.duplicates}  ${verdict}`,
    );
  }
  // Rounds alternate local and shared (and the ledger), so that each sees the same drift of the
  // machine's load; each figure is the median of its rounds.
  const perS: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const batch of [false, true]) {
      const mode = batch ? ('batch' as const) : ('single' as const);
      const records = batch ? BATCH : RECORDS;
      const cases: [string, string | undefined, boolean][] = [
        [`${name}-${mode}-local`, undefined, false],
        [`${name}-${mode}-shared`, engine.url(), false],
        ...(batch
          ? [[`${name}-batch-ledger`, engine.url(), true] as [string, string, boolean]]
          : []),
      ];
      for (const [caseName, url, ledger] of cases) {
        if (!chosen(caseName)) continue;
        const t = await throughput(url, records, batch, ledger);
        printThroughput(ROUNDS > 1 ? `${caseName} #${round}` : caseName, records, t);
        lostAndDuplicates.push(t);
        (perS[caseName] ??= []).push(t.perS);
      }
    }
  }
  const figure = (caseName: string): number | null => {
    const all = perS[caseName];
    return all === undefined ? null : Math.round(median(all));
  };
  for (const mode of ['single', 'batch'] as const) {
    for (const kind of ['local', 'shared'] as const) {
      row[`${kind}_dedup_${mode}_per_s`] = figure(`${name}-${mode}-${kind}`);
    }
  }
  row.ledger_dedup_batch_per_s = figure(`${name}-batch-ledger`);
  if (ROUNDS > 1) {
    for (const [caseName, all] of Object.entries(perS)) {
      console.log(
        `  ${caseName}: median ${Math.round(median(all))} records/s of ${all.join(', ')}`,
      );
    }
  }
  printCost('single', row.shared_dedup_single_per_s, row.local_dedup_single_per_s, false);
  printCost('batch', row.shared_dedup_batch_per_s, row.local_dedup_batch_per_s, true);
  printCost(
    'batch, inbound shared',
    row.ledger_dedup_batch_per_s,
    row.local_dedup_batch_per_s,
    true,
  );
  if (lostAndDuplicates.length > 0) {
    row.lost = lostAndDuplicates.reduce((n, c) => n + c.lost, 0);
    row.duplicates = lostAndDuplicates.reduce((n, c) => n + c.duplicates, 0);
  }
  return row;
}

const rows: Row[] = [];
for (const name of engines) {
  const why = await skipReason(name);
  if (why !== undefined) {
    console.log(`${name}: skipped: ${why}`);
    continue;
  }
  const engine = name === 'etcd' ? await openEtcd() : openPostgres();
  try {
    rows.push(await measure(name, engine));
  } finally {
    await engine.close();
  }
}
if (rows.length === 0) throw new Error('no engine measured');

console.log(
  `\nengine    lease s  failover s  lost  duplicates  single shared/local  batch shared/local  batch cost`,
);
const show = (n: number | null): string => (n === null ? '—' : String(n));
for (const r of rows) {
  const cost =
    r.shared_dedup_batch_per_s === null || r.local_dedup_batch_per_s === null
      ? '—'
      : `${Math.round(100 * (1 - r.shared_dedup_batch_per_s / r.local_dedup_batch_per_s))}%`;
  console.log(
    `${r.engine.padEnd(8)}  ${String(r.lease_s).padStart(7)}  ${show(r.failover_s).padStart(10)}  ${show(r.lost).padStart(4)}  ${show(r.duplicates).padStart(10)}  ${`${show(r.shared_dedup_single_per_s)}/${show(r.local_dedup_single_per_s)}`.padStart(19)}  ${`${show(r.shared_dedup_batch_per_s)}/${show(r.local_dedup_batch_per_s)}`.padStart(18)}  ${cost.padStart(10)}`,
  );
}
console.log(
  `goals: failover ≤ lease + ${FAILOVER_SLACK_MS / 1000} s, 0 lost, 0 duplicates; shared de-duplication costs ≤ ${MAX_SHARED_COST * 100}% of batch-mode throughput (local: the baseline of this run)`,
);
console.log(JSON.stringify({ suite: 'failover', rows }));
