/**
 * `npm run bench -- hosts [--rounds N] [--loss-seconds S]`: the membership of issue 15 on five
 * hosts of the multi-host test bed (network namespaces of this machine, docs/testing.md). Five
 * `aes run` nodes configured as docs/deployment.md suggests (`cluster.host` 0.0.0.0, node-a on h1
 * the one seed of the others, a shared secret file), all five started at once as an operator's
 * service managers would:
 *   - mesh_s: from the last node's first log line (config read, kernel not made yet) until every
 *     node has logged `peer node linked` for every other;
 *   - dead_detect_s: kill -9 of one node until every survivor has logged `peer node lost` for it;
 *   - partition_detect_s: the same for a host cut off (`Nemesis.cut`: its link goes down);
 *   - heal_s: from healing that cut until every node on each side has logged `peer node back`
 *     for every node on the other;
 *   - false_downs: `peer node lost` lines while every link loses 5% of its packets for S seconds
 *     (default 60), counted up to one detector bound after the loss ends.
 * Times are the nodes' own log stamps against `Date.now()` taken just before the bench acted.
 * Kill and cut run N rounds (default 3), each on another node; a round's figure is its slowest
 * node ("every survivor"), and the JSON line carries the max over rounds (median printed too).
 * Baselines: the bounds set by the detector's configuration that the nodes ran with (derived
 * from the cluster's defaults, not measured), and published defaults of Moleculer, Erlang and
 * Akka (not measured here). Ends with one JSON line
 * {"suite":"hosts","hosts":5,"mesh_s","dead_detect_s","partition_detect_s","heal_s","false_downs"}.
 * Needs root and `ip netns` (as the bed does); without them it says why and exits 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_DIAL_SOCKET_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_REDIAL_MAX_MS,
} from '../cluster/internal.js';
import { DEFAULT_BACKOFF_JITTER } from '../util/index.js';
import { median } from './support/median.js';
import {
  bedUnavailableReason,
  everyPair,
  HostBed,
  lastLogged,
  meshInLogs,
  Nemesis,
  peerLine,
  timeOf,
  type Host,
  type NodeProcess,
  type PeerPair,
  writeNodeConfig,
} from '../test/support/hosts/index.js';

function positive(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const n = Number(i > 0 ? process.argv[i + 1] : fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

const ROUNDS = positive('--rounds', 3);
const LOSS_S = positive('--loss-seconds', 60);
const LOSS_PERCENT = 5;
const NAMES = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'] as const;
const SECRET = 'hosts-bench-secret-0123456789';
/** How long a log line may take to come: five nodes from source on a loaded 2-core machine. */
const WAIT_MS = 60_000;
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

/**
 * What the detector's configuration promises. A silent peer is checked every half interval and
 * declared down once silent for the timeout, so at most timeout + interval / 2 after its last
 * byte (which came before the fault). A healed link waits for the next redial: at most the
 * redial ceiling plus its jitter, after a dial still in flight gave up at the dial timeout.
 */
const DETECT_BOUND_MS = DEFAULT_HEARTBEAT_TIMEOUT_MS + DEFAULT_HEARTBEAT_INTERVAL_MS / 2;
const HEAL_BOUND_MS =
  DEFAULT_DIAL_SOCKET_TIMEOUT_MS + DEFAULT_REDIAL_MAX_MS * (1 + DEFAULT_BACKOFF_JITTER);

const REFERENCES =
  'Moleculer 15 s (heartbeatTimeout), Erlang 45–75 s (net_ticktime 60), Akka phi-accrual ≈ 5.5 s';

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** node-a on h1 is the one seed of the others. */
async function configure(bed: HostBed): Promise<void> {
  for (const [i, host] of bed.hosts.entries()) {
    await writeNodeConfig(host, {
      node: NAMES[i] as string,
      seeds: i === 0 ? [] : [bed.hosts[0]?.name as string],
      secret: SECRET,
    });
  }
}

/** The five nodes, by host; a restarted node replaces its predecessor. */
class Cluster {
  readonly nodes: NodeProcess[];

  constructor(nodes: NodeProcess[]) {
    this.nodes = nodes;
  }

  node(i: number): NodeProcess {
    const node = this.nodes[i];
    if (node === undefined) throw new Error(`no node ${i}`);
    return node;
  }

  name(i: number): string {
    return NAMES[i] ?? `node ${i}`;
  }

  /** The other nodes' indexes. */
  others(i: number): number[] {
    return this.nodes.map((_, j) => j).filter((j) => j !== i);
  }

  /** Every other node about node `i`. */
  aboutIt(i: number): PeerPair[] {
    return this.others(i).map((j): PeerPair => [this.node(j), this.name(i)]);
  }

  /** Node `i` about every other. */
  fromIt(i: number): PeerPair[] {
    return this.others(i).map((j): PeerPair => [this.node(i), this.name(j)]);
  }
}

/** The time each pair's node first logged `msg` for its peer at or after `after`. */
function linesAfter(pairs: readonly PeerPair[], msg: string, after: number): Promise<number[]> {
  return Promise.all(
    pairs.map(async ([node, peer]) => timeOf(await peerLine(node, msg, peer, after, WAIT_MS))),
  );
}

/**
 * From the last node's start — the latest first log line of the five (the node has read its
 * config; its kernel is not made yet, so its seed dial is counted) — until every node has logged
 * `peer node linked` for every other.
 */
async function measureMesh(cluster: Cluster): Promise<number> {
  const whole = await meshInLogs(everyPair(cluster.nodes, NAMES), 'peer node linked', 0, WAIT_MS);
  const started = Math.max(...cluster.nodes.map((n) => timeOf(n.lines[0])));
  const kernelUp = lastLogged(cluster.nodes, 'kernel listening');
  const spawned = Math.max(...cluster.nodes.map((n) => n.startedAt));
  const ms = whole - started;
  console.log(
    `mesh whole ${s(ms)} after the last node's first log line (${s(whole - kernelUp)} after the last \`kernel listening\`, logged once a node's seed is dialed; ${s(whole - spawned)} after the last \`aes run\` was spawned, which includes loading it from source)`,
  );
  return ms;
}

/** Kills node `i`, measures, restarts it and waits until the mesh is whole again. */
async function killRound(cluster: Cluster, nemesis: Nemesis, i: number): Promise<number> {
  const at = Date.now();
  const fault = await nemesis.kill(cluster.node(i), 'SIGKILL');
  const seen = await linesAfter(cluster.aboutIt(i), 'peer node lost', at);
  const ms = Math.max(...seen) - at;
  console.log(
    `  kill -9 ${cluster.name(i)}: every survivor marked it down after ${s(ms)} (first ${s(Math.min(...seen) - at)})`,
  );
  const restartedAt = Date.now();
  cluster.nodes[i] = await fault.heal();
  await meshInLogs(cluster.fromIt(i), 'peer node linked', restartedAt, WAIT_MS);
  await meshInLogs(cluster.aboutIt(i), 'peer node back', restartedAt, WAIT_MS);
  return ms;
}

/** Cuts host `i` off, measures detection, heals the cut and measures the mesh whole again. */
async function cutRound(
  cluster: Cluster,
  nemesis: Nemesis,
  host: Host,
  i: number,
): Promise<{ detectMs: number; healMs: number }> {
  const at = Date.now();
  const cut = await nemesis.cut(host);
  const seen = await linesAfter(cluster.aboutIt(i), 'peer node lost', at);
  // The cut-off node must have lost the others too, or it would log no `peer node back`.
  const own = await linesAfter(cluster.fromIt(i), 'peer node lost', at);
  const detectMs = Math.max(...seen) - at;
  const healedAt = Date.now();
  await cut.heal();
  const healMs =
    (await meshInLogs(
      [...cluster.aboutIt(i), ...cluster.fromIt(i)],
      'peer node back',
      healedAt,
      WAIT_MS,
    )) - healedAt;
  console.log(
    `  cut ${host.name} (${cluster.name(i)}): every other node marked it down after ${s(detectMs)} (it marked them down after ${s(Math.max(...own) - at)}); whole again ${s(healMs)} after the link came up`,
  );
  return { detectMs, healMs };
}

/** `peer node lost` lines while every host drops `LOSS_PERCENT` of the packets it receives. */
async function lossRun(cluster: Cluster, nemesis: Nemesis, bed: HostBed): Promise<number> {
  const from = Date.now();
  // Ingress only, on every host: each packet crosses one ingress, so each link (each way)
  // loses ~5%; `both` would drop it at the sender's egress too (~9.75%), and TCP takes egress
  // drops for local congestion rather than loss on the wire.
  const faults = await Promise.all(
    bed.hosts.map((h) => nemesis.loss(h, LOSS_PERCENT, { direction: 'in' })),
  );
  await sleep(LOSS_S * 1000);
  await Promise.all(faults.map((f) => f.heal()));
  // A silence that began under loss is reported up to one detector bound later.
  await sleep(DETECT_BOUND_MS + 500);
  const downs = cluster.nodes.flatMap((n) =>
    n.lines
      .filter((l) => l.msg === 'peer node lost' && timeOf(l) >= from)
      .map((l) => ({ host: n.host.name, line: l })),
  );
  for (const { host, line } of downs) {
    console.log(
      `  false down: ${host} lost ${String(line.peer)} ${s(timeOf(line) - from)} into the loss (${String(line.reason)})`,
    );
  }
  return downs.length;
}

function keepLogs(cluster: Cluster, retired: readonly NodeProcess[]): string {
  const dir = `${RESULTS}hosts-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  mkdirSync(dir, { recursive: true });
  for (const [k, node] of [...retired, ...cluster.nodes].entries()) {
    writeFileSync(
      `${dir}/${String(k).padStart(2, '0')}-${node.host.name}.log`,
      node.raw.join('\n'),
    );
  }
  return dir;
}

async function main(): Promise<number> {
  const unavailable = bedUnavailableReason();
  if (unavailable !== undefined) {
    console.error(`bench hosts: the multi-host test bed is unavailable: ${unavailable}`);
    return 1;
  }
  console.log(
    `hosts bench: ${NAMES.length} hosts (network namespaces of one machine), one \`aes run\` each from source, node-a the one seed; ${ROUNDS} rounds of kill -9 and of cut, a different node each; ${LOSS_PERCENT}% loss on every link for ${LOSS_S} s`,
  );
  console.log(
    `detector the nodes run with (cluster defaults; aes run sets none): checked every ${DEFAULT_HEARTBEAT_INTERVAL_MS / 2} ms, a heartbeat on a link that sent nothing since (one at least every ${DEFAULT_HEARTBEAT_INTERVAL_MS} ms), a peer silent for ${DEFAULT_HEARTBEAT_TIMEOUT_MS} ms is down; redial ceiling ${DEFAULT_REDIAL_MAX_MS} ms ±${DEFAULT_BACKOFF_JITTER * 100}%, dial timeout ${DEFAULT_DIAL_SOCKET_TIMEOUT_MS} ms`,
  );
  await using bed = await HostBed.create({ hosts: NAMES.length });
  await using nemesis = new Nemesis(bed);
  await configure(bed);
  const cluster = new Cluster(await Promise.all(bed.hosts.map((h) => h.startNode())));
  const retired: NodeProcess[] = [];
  try {
    const meshMs = await measureMesh(cluster);
    const dead: number[] = [];
    const detect: number[] = [];
    const heal: number[] = [];
    console.log('kill -9, then a restart (the next round once the mesh is whole again):');
    for (let r = 0; r < ROUNDS; r++) {
      // h2, h3, h4, h5, h1, …: the seed's turn comes last.
      const i = (r + 1) % NAMES.length;
      retired.push(cluster.node(i));
      dead.push(await killRound(cluster, nemesis, i));
      await sleep(1_000);
    }
    console.log('cut off, then healed:');
    for (let r = 0; r < ROUNDS; r++) {
      // h5, h1 (the seed), h2, …: away from the hosts just killed.
      const i = (r + NAMES.length - 1) % NAMES.length;
      const host = bed.hosts[i];
      if (host === undefined) throw new Error(`no host ${i}`);
      const round = await cutRound(cluster, nemesis, host, i);
      detect.push(round.detectMs);
      heal.push(round.healMs);
      await sleep(1_000);
    }
    console.log(`${LOSS_PERCENT}% loss on every link for ${LOSS_S} s:`);
    const falseDowns = await lossRun(cluster, nemesis, bed);

    const spread = (v: readonly number[]): string =>
      `median ${s(median(v))}, max ${s(Math.max(...v))} of ${v.length}`;
    console.log(
      `\nfigure              measured                          goal     baseline (same run: the detector's configured bound; then references, published defaults not measured here)`,
    );
    console.log(
      `mesh_s              ${s(meshMs).padEnd(34)}≤ 2 s    none configured; a node that finds its seed not up yet redials within ${s(DEFAULT_REDIAL_MAX_MS * (1 + DEFAULT_BACKOFF_JITTER))}`,
    );
    console.log(
      `dead_detect_s       ${spread(dead).padEnd(34)}≤ 3 s    ${s(DETECT_BOUND_MS)} for silence; a kill on a live host closes its sockets, which every system hears at once`,
    );
    console.log(
      `partition_detect_s  ${spread(detect).padEnd(34)}≤ 3 s    ${s(DETECT_BOUND_MS)}; ${REFERENCES}`,
    );
    console.log(
      `heal_s              ${spread(heal).padEnd(34)}≤ 5 s    ${s(HEAL_BOUND_MS)} (a dial in flight times out, the next comes within the redial ceiling)`,
    );
    console.log(
      `false_downs         ${`${falseDowns} in ${LOSS_S} s`.padEnd(34)}0        a down needs ${s(DEFAULT_HEARTBEAT_TIMEOUT_MS)} with no byte from a peer that sends at least every ${s(DEFAULT_HEARTBEAT_INTERVAL_MS)}`,
    );
    console.log('(the JSON line carries the max over rounds: every survivor, every round)');
    console.log(`node logs: ${keepLogs(cluster, retired)}`);
    console.log(
      JSON.stringify({
        suite: 'hosts',
        hosts: NAMES.length,
        mesh_s: Number((meshMs / 1000).toFixed(3)),
        dead_detect_s: Number((Math.max(...dead) / 1000).toFixed(3)),
        partition_detect_s: Number((Math.max(...detect) / 1000).toFixed(3)),
        heal_s: Number((Math.max(...heal) / 1000).toFixed(3)),
        false_downs: falseDowns,
      }),
    );
    return 0;
  } catch (err) {
    console.error(`bench hosts failed; node logs kept in ${keepLogs(cluster, retired)}`);
    throw err;
  }
}

process.exitCode = await main();
