/**
 * Times read from the nodes' own log lines (`peer node linked / lost / back`, `kernel listening`,
 * `node started`), each stamped by the node when it happened. Every host shares the machine's
 * clock, so they compare directly with `Date.now()` taken by the test (or the bench) when it
 * acted. Used by test/hosts/cluster.test.ts and bench/hosts.ts.
 */
import type { LogLine, NodeProcess } from './node-process.js';

/** A node and a peer (by node name) whose line about that peer is awaited. */
export type PeerPair = readonly [node: NodeProcess, peer: string];

/** When the node logged `line` (its own clock: the machine's, shared by every host). */
export function timeOf(line: LogLine | undefined): number {
  const at = line?.time === undefined ? NaN : Date.parse(line.time);
  if (Number.isNaN(at)) throw new Error(`no time on ${JSON.stringify(line)}`);
  return at;
}

/** The latest time any of `nodes` first logged a line starting with `msg`. */
export function lastLogged(nodes: readonly NodeProcess[], msg: string): number {
  return Math.max(...nodes.map((n) => timeOf(n.lines.find((l) => l.msg.startsWith(msg)))));
}

/** The first `msg` line about `peer` logged at or after `after`, waiting for it. */
export function peerLine(
  node: NodeProcess,
  msg: string,
  peer: string,
  after: number,
  timeoutMs = 30_000,
): Promise<LogLine> {
  return node.waitLine(
    `${msg} ${peer}`,
    (l) => l.msg === msg && l.peer === peer && timeOf(l) >= after,
    timeoutMs,
  );
}

/** Every ordered pair of distinct nodes; `names[i]` is the node name of `nodes[i]`. */
export function everyPair(nodes: readonly NodeProcess[], names: readonly string[]): PeerPair[] {
  if (names.length !== nodes.length) throw new Error('everyPair: one name per node');
  return nodes.flatMap((node, i) =>
    names.filter((_, j) => j !== i).map((peer): PeerPair => [node, peer]),
  );
}

/**
 * When the mesh was whole in the logs: each node of `pairs` logged `event` for its peer at or
 * after `after`; the time of the last such line (`after` when `pairs` is empty).
 */
export async function meshInLogs(
  pairs: readonly PeerPair[],
  event: 'peer node linked' | 'peer node back',
  after: number,
  timeoutMs = 30_000,
): Promise<number> {
  let last = after;
  for (const [node, peer] of pairs) {
    last = Math.max(last, timeOf(await peerLine(node, event, peer, after, timeoutMs)));
  }
  return last;
}
