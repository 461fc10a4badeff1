/**
 * `aes demo`: the main job on loopback in one command. A source system with a FIFO of records and
 * a target system (real SOAP servers, `aes mock`'s machinery), a three-node cluster (embedded
 * broker on `hub`, the outbound endpoint on `sender`, the inbound one on `receiver`), progress
 * while records flow, and a summary counted from what the target really recorded against what
 * the source really served.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoCluster, DEMO_OUTBOUND } from './cluster.js';
import { DemoError } from './errors.js';
import { demoPorts, resolveDemoOptions, DEMO_SETTLE_MS, type DemoOptions } from './options.js';
import { Progress, type ProgressOutput } from './progress.js';
import { startSystems, type DemoSystems } from './systems.js';
import { formatInterrupted, formatSummary, isComplete, tally, type DemoTally } from './tally.js';

/** How often the systems' records are counted while the demo runs. */
export const DEMO_POLL_MS = 250;

/** The pages every node's HTTP server serves, as printed. */
export const DEMO_NODE_PAGES: readonly (readonly [label: string, path: string])[] = [
  ['status', '/'],
  ['metrics', '/metrics'],
  ['ready', '/readyz'],
];

export interface DemoIo {
  /** Progress, addresses and the summary. */
  readonly out: ProgressOutput;
  /** Aborting stops the demo: during the flow (interrupted) or while it keeps running. */
  readonly signal?: AbortSignal;
  /** Called once everything is up (a forced stop needs the endpoint processes' pids). */
  readonly onStarted?: (running: { endpointPids(): number[] }) => void;
}

export type DemoOutcome = 'delivered' | 'failed' | 'stalled' | 'interrupted';

export interface DemoResult {
  readonly outcome: DemoOutcome;
  readonly tally: DemoTally;
  /** 0 when every record arrived exactly once; 1 lost, duplicated or stalled; 130 interrupted. */
  readonly exitCode: number;
  /** The demo's folder; removed unless kept (keepRunning, or the run failed). */
  readonly dir: string;
  readonly kept: boolean;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function count(systems: DemoSystems): DemoTally {
  return tally(systems.source.state(), systems.target.state(), DEMO_OUTBOUND);
}

function printWhere(out: ProgressOutput, systems: DemoSystems, cluster: DemoCluster): void {
  const w = (line: string) => out.write(`${line}\n`);
  w(`  source system   ${systems.sourceUrl}  (records: ${systems.source.stateUrl})`);
  w(`  target system   ${systems.targetUrl}  (records: ${systems.target.stateUrl})`);
  for (const n of cluster.nodes) {
    const what =
      n.role === 'broker'
        ? `embedded broker ${n.node.brokers[0] ?? ''}`
        : `${n.role} endpoint ${n.endpoint ?? ''}`;
    w(`  node ${n.name.padEnd(10)} ${what}, cluster ${n.node.address}`);
    for (const [label, path] of DEMO_NODE_PAGES)
      w(`      ${label.padEnd(8)} ${n.node.httpUrl}${path}`);
  }
  const hub = cluster.nodes[0];
  if (hub !== undefined) w(`  cluster status  npx aes status -c ${hub.configFile}`);
}

interface Flow {
  readonly outcome: Exclude<DemoOutcome, 'failed'>;
  readonly tally: DemoTally;
}

/** Counts until every record arrived, nothing moved for the stall timeout, or the signal aborts. */
async function flow(
  systems: DemoSystems,
  records: number,
  stallTimeoutMs: number,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<Flow> {
  let last = count(systems);
  let movedAt = Date.now();
  for (;;) {
    if (signal?.aborted === true) return { outcome: 'interrupted', tally: last };
    const now = count(systems);
    progress.update(now);
    if (now.popped !== last.popped || now.delivered !== last.delivered) movedAt = Date.now();
    last = now;
    if (isComplete(now, records)) {
      // A duplicate would come right behind the last record.
      await sleep(DEMO_SETTLE_MS, signal);
      return { outcome: 'delivered', tally: count(systems) };
    }
    if (Date.now() - movedAt > stallTimeoutMs) return { outcome: 'stalled', tally: now };
    await sleep(DEMO_POLL_MS, signal);
  }
}

/** Runs the demo to its summary (and, with `keepRunning`, until `io.signal` aborts). */
export async function runDemo(options: DemoOptions, io: DemoIo): Promise<DemoResult> {
  const o = resolveDemoOptions(options);
  const out = io.out;
  const w = (line: string) => out.write(`${line}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'aes-demo-'));
  const ports = demoPorts(o.portBase);
  w(
    `aes demo: ${o.records} records from a source system to a target system through a three-node cluster`,
  );
  if (o.targetFaults > 0) {
    w(`  the target system fails a share of ${o.targetFaults} of its Put calls with a SOAP fault`);
  }
  w(
    `  folder          ${dir} (configs, data, node logs; ${o.keepRunning ? 'kept' : 'removed at the end'})`,
  );
  let systems: DemoSystems | undefined;
  let cluster: DemoCluster | undefined;
  let kept = o.keepRunning;
  const stop = async (): Promise<void> => {
    await cluster?.close();
    await systems?.close();
    if (!kept) await rm(dir, { recursive: true, force: true });
  };
  try {
    try {
      systems = await startSystems(o.records, o.targetFaults, ports);
      cluster = await DemoCluster.start({
        dir,
        ports,
        sourceUrl: systems.sourceUrl,
        targetUrl: systems.targetUrl,
      });
    } catch (err) {
      kept = true;
      throw new DemoError(
        'DEMO_START',
        `the demo could not start: ${(err as Error).message} (node logs in ${dir})`,
        { cause: err },
      );
    }
    printWhere(out, systems, cluster);
    io.onStarted?.(cluster);
    const progress = new Progress(out, o.records);
    const result = await flow(systems, o.records, o.stallTimeoutMs, progress, io.signal);
    progress.finish(result.tally);
    const t = result.tally;
    const ok = result.outcome === 'delivered' && t.lost === 0 && t.duplicates === 0;
    if (!ok && result.outcome !== 'interrupted') kept = true;
    if (result.outcome === 'stalled') {
      w(
        `records stopped flowing: nothing popped or delivered for ${o.stallTimeoutMs / 1000} s ` +
          `(${t.remaining} still in the source); node logs: ${dir}/*/node.log`,
      );
    } else if (result.outcome === 'interrupted') {
      w('interrupted: stopping');
    } else if (o.keepRunning) {
      w(formatSummary(t));
      w(`everything keeps running; Ctrl-C stops it (the folder ${dir} stays)`);
      await new Promise<void>((resolve) => {
        if (io.signal === undefined || io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    await stop();
    if (kept && !o.keepRunning) w(`kept ${dir} to look into`);
    else if (!kept) w(`removed ${dir}`);
    w(result.outcome === 'interrupted' ? formatInterrupted(t) : formatSummary(t));
    const outcome = result.outcome === 'delivered' && !ok ? 'failed' : result.outcome;
    return {
      outcome,
      tally: t,
      exitCode: outcome === 'interrupted' ? 130 : ok ? 0 : 1,
      dir,
      kept,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
