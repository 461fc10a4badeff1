/**
 * Three nodes on three hosts, configured as docs/operations.md suggests for a multi-host cluster
 * (`cluster.host: 0.0.0.0`, one seed, a shared secret file): what issue 15 asks of their
 * membership. A full mesh from one seed, seen from every host; a kill -9 reported down by every
 * survivor (`aes status` `{node, error, since}`, exit 1) and whole again after a restart; a host
 * cut off reported down, and whole again once its link heals, with no restart.
 *
 * The checks read what the hosts' `aes status --json` and the nodes' logs say. Times are measured
 * from the nodes' own log lines (`peer node linked / lost / back`, each stamped by the node when
 * it happened) against when the test acted, and reported as diagnostics; the bounds asserted are
 * the goals with room for a loaded 2-core machine running three nodes from source.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  everyPair,
  HostBed,
  hostsSkipReason,
  isWhole,
  lastLogged,
  meshInLogs,
  Nemesis,
  peerLine,
  reportsDown as reportsDownOf,
  statusOf as status,
  timeOf,
  waitStatus,
  type Host,
  type NodeProcess,
  type Status,
  type StatusJson,
  writeNodeConfig,
} from '../support/hosts/index.js';

const unavailable = hostsSkipReason();
const when = unavailable !== undefined ? { skip: unavailable } : {};

const SECRET = 'hosts-cluster-secret-0123456789';
const NAMES = ['node-a', 'node-b', 'node-c'] as const;
/** Goals of issue 15 (mesh 2 s, detection 3 s, heal 5 s) with room for a loaded machine. */
const MESH_BOUND_MS = 8_000;
const DETECT_BOUND_MS = 6_000;
const HEAL_BOUND_MS = 10_000;

/**
 * Each host's config: node-a on h1 is the seed of the others; with `everyone`, every node has the
 * same seed list, its own host among them.
 */
async function configure(bed: HostBed, everyone = false): Promise<void> {
  const all = bed.hosts.map((h) => h.name);
  for (const [i, host] of bed.hosts.entries()) {
    await writeNodeConfig(host, {
      node: NAMES[i] as string,
      seeds: everyone ? all : i === 0 ? [] : [all[0] as string],
      secret: SECRET,
    });
  }
}

/** Starts node-a, then node-b and node-c together. */
async function clusterOfThree(bed: HostBed, everyone = false): Promise<NodeProcess[]> {
  await configure(bed, everyone);
  const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
  const seed = await h1.startNode();
  return [seed, ...(await Promise.all([h2.startNode(), h3.startNode()]))];
}

/** Every host's `aes status` lists every node, none in error, and exits 0. */
function waitWhole(bed: HostBed): Promise<Map<string, Status>> {
  return waitStatus(
    'every host listing all three nodes, none unreachable',
    bed.hosts,
    isWhole(NAMES),
  );
}

/** `node` is listed unreachable (`{node, error, since}`) and the command exits 1. */
function reportsDown(node: string): (s: Status) => boolean {
  return reportsDownOf(NAMES.length, node);
}

function report(t: TestContext, what: string, ms: number, goalMs: number): void {
  t.diagnostic(`${what}: ${(ms / 1000).toFixed(2)} s (goal ${goalMs / 1000} s)`);
}

describe('a cluster of three hosts (issue 15)', () => {
  test('one seed is enough: a full mesh forms, seen from every host', when, async (t) => {
    // Disposing the bed kills the nodes with everything else on the hosts.
    await using bed = await HostBed.create({ hosts: 3 });
    const nodes = await clusterOfThree(bed);
    const whole = await meshInLogs(everyPair(nodes, NAMES), 'peer node linked', 0);
    // Links form while a node starts (its kernel joins before its HTTP server and endpoints).
    const kernelUp = whole - lastLogged(nodes, 'kernel listening');
    const started = whole - lastLogged(nodes, 'node started');
    report(t, "mesh whole after the last node's kernel was up", Math.max(0, kernelUp), 2_000);
    report(t, 'mesh whole after the last node started', Math.max(0, started), 2_000);
    assert.ok(started <= MESH_BOUND_MS, `mesh whole ${started} ms after the last start`);
    // Each node advertises its host's address, never loopback or its Unix socket.
    for (const [i, node] of nodes.entries()) {
      const line = await node.waitLine('kernel listening', (l) => l.msg === 'kernel listening');
      assert.deepEqual(line.advertised, [`tcp://${bed.hosts[i]?.address}:7420`]);
      assert.equal(
        node.lines.some((l) => l.level === 'warn' && String(l.msg).startsWith('cluster:')),
        false,
      );
    }
    await waitWhole(bed);
    // Prometheus discovery lists every node from every host.
    for (const host of bed.hosts) {
      const r = await host.exec([
        process.execPath,
        '-e',
        `fetch('http://${host.name}:9464/sd/prometheus').then((r) => r.text()).then(console.log)`,
      ]);
      const groups = JSON.parse(r.stdout) as { labels: { node: string } }[];
      assert.deepEqual(
        groups.map((g) => g.labels.node),
        [...NAMES],
        `${host.name}'s /sd/prometheus`,
      );
    }
  });

  test('a kill -9 is reported by every survivor, and a restart makes it whole', when, async (t) => {
    await using bed = await HostBed.create({ hosts: 3 });
    const nemesis = new Nemesis(bed);
    const [a, b, c] = (await clusterOfThree(bed)) as [NodeProcess, NodeProcess, NodeProcess];
    await waitWhole(bed);
    const killedAt = Date.now();
    const killed = await nemesis.kill(b);
    for (const survivor of [a, c]) {
      const lost = await peerLine(survivor, 'peer node lost', 'node-b', killedAt - 50);
      assert.equal(lost.level, 'warn');
      assert.ok(typeof lost.reason === 'string' && lost.reason.length > 0, JSON.stringify(lost));
      const ms = timeOf(lost) - killedAt;
      report(t, `${survivor.host.name} marked node-b down after kill -9`, ms, 3_000);
      assert.ok(ms <= DETECT_BOUND_MS, `${survivor.host.name}: ${ms} ms`);
    }
    const seen = await waitStatus(
      'the survivors reporting node-b down',
      [a.host, c.host],
      reportsDown('node-b'),
    );
    t.diagnostic(`node-b as node-a reports it: ${JSON.stringify(seen.get('h1')?.json.nodes[1])}`);
    // The status page's data says the same.
    const page = JSON.parse(
      (
        await a.host.exec([
          process.execPath,
          '-e',
          "fetch('http://h1:9464/status.json').then((r) => r.text()).then(console.log)",
        ])
      ).stdout,
    ) as { members: { name: string; connected: boolean }[]; cluster: StatusJson };
    const down = page.cluster.nodes.find((n) => n.node === 'node-b');
    assert.ok(down?.error !== undefined && down.since !== undefined, JSON.stringify(page));
    assert.equal(page.members.find((m) => m.name === 'node-b')?.connected, false);
    const restartedAt = Date.now();
    const again = await killed.heal();
    const back = Math.max(
      ...(await Promise.all(
        [a, c].map(async (n) => timeOf(await peerLine(n, 'peer node back', 'node-b', restartedAt))),
      )),
      timeOf(await peerLine(again, 'peer node linked', 'node-c', restartedAt)),
    );
    const started = timeOf(again.lines.find((l) => l.msg === 'kernel listening'));
    report(
      t,
      "mesh whole after restarted node-b's kernel was up",
      Math.max(0, back - started),
      2_000,
    );
    await waitWhole(bed);
  });

  test(
    'a host cut off is reported down, and the mesh is whole again soon after the link heals, with no restart',
    when,
    async (t) => {
      await using bed = await HostBed.create({ hosts: 3 });
      await using nemesis = new Nemesis(bed);
      const nodes = await clusterOfThree(bed);
      const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      await waitWhole(bed);
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      // Both sides of the cut: the others about node-c, node-c about the others.
      const pairs = [
        [a, 'node-c'],
        [b, 'node-c'],
        [c, 'node-a'],
        [c, 'node-b'],
      ] as const;
      const cutAt = Date.now();
      const cut = await nemesis.cut(h3);
      for (const [node, peer] of pairs) {
        const lost = await peerLine(node, 'peer node lost', peer, cutAt - 50);
        assert.equal(lost.level, 'warn');
        assert.match(String(lost.reason), /heartbeat timeout|silent|EHOSTUNREACH|ETIMEDOUT/);
        const ms = timeOf(lost) - cutAt;
        report(t, `${node.host.name} marked ${peer} down after the cut`, ms, 3_000);
        assert.ok(ms <= DETECT_BOUND_MS, `${node.host.name} / ${peer}: ${ms} ms`);
      }
      await waitStatus('h1 and h2 reporting node-c down', [h1, h2], reportsDown('node-c'));
      // The cut-off host itself reports the others down (its own CLI still reaches its node).
      await waitStatus('h3 reporting node-a and node-b down', [h3], (s) =>
        ['node-a', 'node-b'].every((n) => reportsDown(n)(s)),
      );
      const healedAt = Date.now();
      await cut.heal();
      const healMs = (await meshInLogs(pairs, 'peer node back', healedAt)) - healedAt;
      report(t, 'mesh whole again after the link healed', healMs, 5_000);
      assert.ok(healMs <= HEAL_BOUND_MS, `healed after ${healMs} ms`);
      assert.ok(
        nodes.every((n) => n.running),
        'no node was restarted',
      );
      await waitWhole(bed);
    },
  );

  test(
    'two hosts cut off from each other only: each reports the other down, reachable through the third',
    when,
    async (t) => {
      await using bed = await HostBed.create({ hosts: 3 });
      await using nemesis = new Nemesis(bed);
      const nodes = await clusterOfThree(bed);
      const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      await waitWhole(bed);
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      const cutAt = Date.now();
      const partition = await nemesis.partition([h2], [h3]); // h1 still reaches both
      for (const [node, peer] of [
        [b, 'node-c'],
        [c, 'node-b'],
      ] as const) {
        const lost = await peerLine(node, 'peer node lost', peer, cutAt - 50);
        report(
          t,
          `${node.host.name} marked ${peer} down (silent partition)`,
          timeOf(lost) - cutAt,
          3_000,
        );
      }
      for (const [host, down] of [
        [h2, 'node-c'],
        [h3, 'node-b'],
      ] as const) {
        const seen = await waitStatus(`${host.name} reporting ${down} down`, [host], (s) => {
          const entry = s.json.nodes.find((n) => n.node === down);
          return reportsDown(down)(s) && entry?.via?.join() === 'node-a';
        });
        t.diagnostic(
          `${down} as ${host.name} reports it: ${JSON.stringify(seen.get(host.name)?.json.nodes.find((n) => n.node === down))}`,
        );
      }
      // node-a links to both and says the cluster is whole from where it stands.
      await waitStatus(
        'h1 listing all three',
        [h1],
        (s) => s.code === 0 && s.json.nodes.length === 3,
      );
      assert.equal(
        a.lines.some((l) => l.msg === 'peer node lost'),
        false,
      );
      const healedAt = Date.now();
      await partition.heal();
      const back = await meshInLogs(
        [
          [b, 'node-c'],
          [c, 'node-b'],
        ],
        'peer node back',
        healedAt,
      );
      report(
        t,
        'node-b and node-c linked again after the partition healed',
        back - healedAt,
        5_000,
      );
      assert.ok(back - healedAt <= HEAL_BOUND_MS, `healed after ${back - healedAt} ms`);
      await waitWhole(bed);
    },
  );

  test(
    'the same seed list on every node, its own host among them: a mesh, and no node dials itself',
    when,
    async () => {
      await using bed = await HostBed.create({ hosts: 3 });
      const nodes = await clusterOfThree(bed, true);
      await meshInLogs(everyPair(nodes, NAMES), 'peer node linked', 0);
      await waitWhole(bed);
      // Each node's own address was dialed once at most: nothing of it is listed as a member.
      for (const host of bed.hosts) {
        const { json } = await status(host);
        assert.deepEqual(
          json.nodes.map((n) => n.node),
          [...NAMES],
        );
      }
    },
  );
});
