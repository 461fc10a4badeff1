/**
 * Faults between hosts that are not a clean cut (issue 15, "Bad input and faults"): each gets a
 * clear log line and a status entry on both sides, no node crashes, and the cluster is whole
 * again once the fault heals.
 * - Asymmetric loss: every packet a host sends is dropped, while what it receives arrives. Its
 *   peers hear nothing from it; it hears their heartbeats but none of its answers get through.
 * - A partition in the middle of `aes endpoint restart`: the command run on one side for an
 *   endpoint on the other either restarts it once (its call answered once the link is back) or
 *   fails, exit 1, naming the node it could not reach; never twice, never silently; afterwards
 *   the same command restarts it once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
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
} from '../support/hosts/index.js';
import { pollUntil } from '../support/wait.js';

const unavailable = hostsSkipReason();
const when = unavailable !== undefined ? { skip: unavailable } : {};

const SECRET = 'hosts-faults-secret-0123456789';
const NAMES = ['node-a', 'node-b', 'node-c'] as const;
const FIXTURES = fileURLToPath(new URL('../e2e/fixtures/', import.meta.url));

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
  const seeds = bed.hosts.map((h) => `${h.name}:7420`);
  for (const [i, host] of bed.hosts.entries()) {
    await host.writeFile('cluster.secret', `${SECRET}\n`, 0o600);
    await host.writeJson('aes.config.json', {
      node: NAMES[i],
      cluster: { host: '0.0.0.0', port: 7420, seeds, secretFile: '/srv/aes/cluster.secret' },
      http: { host: '0.0.0.0', port: 9464 },
      endpoints: { defaults: { startLimitMs: 120_000 } },
    });
    for (const [name, fixture] of Object.entries(endpoints[i] ?? {})) {
      await host.writeFile(
        `endpoints/${name}/index.ts`,
        `export { default } from ${JSON.stringify(`${FIXTURES}${fixture}`)};\n`,
      );
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
    'a partition in the middle of aes endpoint restart: restarted once, or a clear failure naming the node',
    when,
    async (t) => {
      await using bed = await HostBed.create({ hosts: 3 });
      await using nemesis = new Nemesis(bed);
      const nodes = await clusterOfThree(bed, { 1: { sink: 'sink.ts' } });
      const [a, b] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      const [h1, h2] = bed.hosts as [Host, Host, Host];
      for (const h of bed.hosts) await waitStatus(`${h.name} whole`, h, isWhole);
      const runs = (): number =>
        b.lines.filter((l) => l.endpoint === 'sink' && l.msg === 'starting -> running').length;
      await b.waitLine(
        'sink running',
        (l) => l.endpoint === 'sink' && l.msg === 'starting -> running',
      );
      const before = runs();

      // h1 and h2 lose each other (h3 still reaches both) as the command starts on h1.
      const partition = await nemesis.partition([h1], [h2]);
      const restart = h1.aes(['endpoint', 'restart', 'sink'], { timeoutMs: 120_000 });
      await a.waitLine(
        'node-a losing node-b',
        (l) => l.msg === 'peer node lost' && l.peer === 'node-b',
        30_000,
      );
      await partition.heal();
      const r = await restart;
      t.diagnostic(`during the partition: exit ${r.status}, ${(r.stdout + r.stderr).trim()}`);
      if (r.status === 0) {
        assert.match(r.stdout, /restart: sink on node-b/);
      } else {
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /node-b/, 'the failure names the node it could not reach');
      }
      for (const h of bed.hosts) await waitStatus(`${h.name} whole after healing`, h, isWhole);
      const during = runs() - before;
      assert.ok(during <= 1, `restarted ${during} times during the partition`);

      // Once whole, the command restarts it exactly once.
      const again = await h1.aes(['endpoint', 'restart', 'sink'], { timeoutMs: 60_000 });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /restart: sink on node-b/);
      await pollUntil('sink running again', () => runs() === before + during + 1, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(runs(), before + during + 1, 'restarted once');
      assert.ok(
        nodes.every((n) => n.running),
        'no node exited',
      );
    },
  );
});
