/**
 * Faults between hosts that are not a clean cut (issue 15, "Bad input and faults"): each gets a
 * clear log line and a status entry on both sides, no node crashes, and the cluster is whole
 * again once the fault heals.
 * - Asymmetric loss: every packet a host sends is dropped, while what it receives arrives. Its
 *   peers hear nothing from it; it hears their heartbeats but none of its answers get through.
 * - A partition in the middle of `aes endpoint restart`, long enough for the link to drop: the
 *   node's call to the endpoint's node is sent again under the same call id once the link is
 *   back (docs/protocol.md 4.5) and answered; the endpoint restarts exactly once. With a node
 *   down, an endpoint found nowhere else is reported with that node named as not asked.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostBed,
  hostsSkipReason,
  isWhole as isWholeOf,
  Nemesis,
  reportsDown as reportsDownOf,
  waitStatus as waitStatusOn,
  type Host,
  type LogLine,
  type NodeProcess,
  type Status,
  writeEndpoint,
  writeNodeConfig,
} from '../support/hosts/index.js';
import { pollUntil } from '../support/wait.js';

const unavailable = hostsSkipReason();
const when = unavailable !== undefined ? { skip: unavailable } : {};

const SECRET = 'hosts-faults-secret-0123456789';
const NAMES = ['node-a', 'node-b', 'node-c'] as const;

async function waitStatus(what: string, host: Host, done: (s: Status) => boolean): Promise<void> {
  await waitStatusOn(what, [host], done);
}

/** `down` listed unreachable, with an error and since when, and the command exits 1. */
const reportsDown = (...down: string[]): ((s: Status) => boolean) =>
  reportsDownOf(NAMES.length, ...down);
const isWhole = isWholeOf(NAMES);

/** Three nodes, every host a seed of every node; `endpoints` lists fixtures per host index. */
async function clusterOfThree(
  bed: HostBed,
  endpoints: Readonly<Record<number, Readonly<Record<string, string>>>> = {},
): Promise<NodeProcess[]> {
  const seeds = bed.hosts.map((h) => h.name);
  for (const [i, host] of bed.hosts.entries()) {
    await writeNodeConfig(host, {
      node: NAMES[i] as string,
      seeds,
      secret: SECRET,
      extra: { endpoints: { defaults: { startLimitMs: 120_000 } } },
    });
    for (const [name, fixture] of Object.entries(endpoints[i] ?? {})) {
      await writeEndpoint(host, name, fixture);
    }
  }
  return Promise.all(bed.hosts.map((h) => h.startNode()));
}

function after(at: number) {
  return (l: LogLine): boolean => l.time !== undefined && Date.parse(l.time) >= at;
}

describe('faults between hosts (issue 15)', () => {
  test(
    'a host whose every outgoing packet is lost: both sides report it, and it heals',
    when,
    async () => {
      await using bed = await HostBed.create({ hosts: 3 });
      await using nemesis = new Nemesis(bed);
      const nodes = await clusterOfThree(bed);
      const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      for (const h of bed.hosts) await waitStatus(`${h.name} whole`, h, isWhole);

      const faultAt = Date.now();
      const loss = await nemesis.loss(h3, 100, { direction: 'out' });
      // node-a and node-b hear nothing from node-c; node-c loses them once they give up on it.
      for (const [node, peer] of [
        [a, 'node-c'],
        [b, 'node-c'],
        [c, 'node-a'],
        [c, 'node-b'],
      ] as const) {
        const lost = await node.waitLine(
          `${node.host.name} losing ${peer}`,
          (l) => l.msg === 'peer node lost' && l.peer === peer && after(faultAt)(l),
          30_000,
        );
        assert.equal(lost.level, 'warn');
        assert.ok(String(lost.reason).length > 0, JSON.stringify(lost));
      }
      await waitStatus('h1 reporting node-c down', h1, reportsDown('node-c'));
      await waitStatus('h2 reporting node-c down', h2, reportsDown('node-c'));
      await waitStatus('h3 reporting node-a and node-b down', h3, reportsDown('node-a', 'node-b'));

      const healedAt = Date.now();
      await loss.heal();
      for (const h of bed.hosts) await waitStatus(`${h.name} whole after healing`, h, isWhole);
      for (const [node, peer] of [
        [a, 'node-c'],
        [c, 'node-b'],
      ] as const) {
        await node.waitLine(
          `${node.host.name} linking ${peer} again`,
          (l) => l.msg === 'peer node back' && l.peer === peer && after(healedAt)(l),
          30_000,
        );
      }
      assert.ok(
        nodes.every((n) => n.running),
        'no node exited',
      );
      const errors = nodes.flatMap((n) =>
        n.lines.filter((l) => l.level === 'error' || l.level === 'fatal'),
      );
      assert.deepEqual(errors, [], 'nothing logged as an error');
    },
  );

  test(
    'a call across a partition that drops the link is answered once the link is back: aes endpoint restart restarts once',
    when,
    async (t) => {
      await using bed = await HostBed.create({ hosts: 3 });
      await using nemesis = new Nemesis(bed);
      // node-b's endpoint spins from 2 s after its start (its first run only) and cannot handle
      // SIGTERM: a restart then waits out the kill grace (5 s) before answering — long enough
      // to cut the link under the call. The hang limit (30 s) is far off.
      const nodes = await clusterOfThree(bed, { 1: { sink: 'busy.ts' } });
      const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      const [h1, h2] = bed.hosts as [Host, Host, Host];
      for (const h of bed.hosts) await waitStatus(`${h.name} whole`, h, isWhole);
      const runs = (): number =>
        b.lines.filter((l) => l.endpoint === 'sink' && l.msg === 'starting -> running').length;
      const before = runs();
      assert.equal(before, 1, 'sink was spawned once');

      // The command on h1; once node-b has the request in hand, h1 and h2 lose each other (h3
      // still reaches both) until node-a has logged node-b lost: node-a's call to node-b is
      // under way when its link drops, and is sent again under its id once a link is back.
      const restart = h1.aes(['endpoint', 'restart', 'sink'], { timeoutMs: 120_000 });
      await b.waitLine(
        'the restart request at node-b',
        (l) => l.msg === 'restart sink (requested)',
      );
      const partition = await nemesis.partition([h1], [h2]);
      const cutAt = Date.now();
      await a.waitLine(
        'node-a losing node-b',
        (l) => l.msg === 'peer node lost' && l.peer === 'node-b' && after(cutAt)(l),
        30_000,
      );
      await partition.heal();
      const r = await restart;
      t.diagnostic(`across the partition: exit ${r.status}, ${(r.stdout + r.stderr).trim()}`);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /restart: sink on node-b/);
      for (const h of bed.hosts) await waitStatus(`${h.name} whole after healing`, h, isWhole);
      await pollUntil('sink running again', () => runs() === before + 1, 60_000);
      // node-b finished the restart — and answered — only after the link was cut: the answer
      // reached node-a through the resent call, not through the old link.
      const respawned = b.lines.filter(
        (l) => l.endpoint === 'sink' && l.msg === 'starting -> running',
      )[1];
      assert.ok(
        respawned !== undefined && after(cutAt)(respawned),
        `the restart ended after the cut: ${JSON.stringify(respawned)} (cut at ${new Date(cutAt).toISOString()})`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(runs(), before + 1, 'restarted exactly once');

      // A node down: an endpoint found nowhere names it as not asked, and the command exits 1.
      await nemesis.kill(c);
      await waitStatus('h1 reporting node-c down', h1, reportsDown('node-c'));
      const missing = await h1.aes(['endpoint', 'restart', 'nope'], { timeoutMs: 60_000 });
      assert.equal(missing.status, 1, missing.stdout);
      assert.match(missing.stderr, /no endpoint 'nope' on the nodes that answered/);
      assert.match(missing.stderr, /unreachable: node-c \(/);
      assert.ok(a.running && b.running, 'no node exited');
    },
  );
});
