/**
 * Cluster-wide, lasting desired state of an endpoint placed by lease (issue 16): two `aes run`
 * nodes with the same endpoint on a private etcd. `aes endpoint stop` through either node stops it
 * wherever it runs, and it stays stopped on every node, also across a restart of its last owner;
 * `aes endpoint start` runs it again on one node; `aes endpoint move NAME --to NODE` drains it on
 * its owner and hands it to that node, and the desired state is `running` again after the move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isAlive } from '../../util/index.js';
import { privateEtcdSkipReason, startPrivateEtcd } from '../support/private-etcd.js';
import { runCli } from '../support/cli.js';
import { pollUntil } from '../support/wait.js';
import { ownStatus } from './support/node-status.js';
import {
  makeProject,
  runningLine,
  RunningNode,
  type LogLine,
  type Project,
} from './support/project.js';

const LEASE_MS = 3_000;
const ENDPOINT = 'orders';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const acquired = (l: LogLine) => l.endpoint === ENDPOINT && l.msg === 'lease acquired: starting';
const running = runningLine(ENDPOINT);

const statusOf = ownStatus;

async function endpointOf(node: RunningNode) {
  const entry = (await statusOf(node)).endpoints.find((e) => e.name === ENDPOINT);
  assert.ok(entry !== undefined);
  return entry;
}

const until = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000) =>
  pollUntil(what, ok, timeoutMs);

function aes(project: Project, ...args: string[]): { stdout: string; status: number | null } {
  const result = runCli(['endpoint', ...args, '-c', project.configFile, '--json']);
  assert.equal(result.status, 0, `aes endpoint ${args.join(' ')}: ${result.stderr}`);
  return { stdout: result.stdout, status: result.status };
}

test(
  'etcd: aes endpoint stop, start and move act cluster-wide and last',
  { skip: privateEtcdSkipReason() },
  async () => {
    const etcd = await startPrivateEtcd();
    const url = `${etcd.url}?namespace=desired${randomBytes(3).toString('hex')}`;
    const projects: Project[] = [];
    const nodes: RunningNode[] = [];
    const start = async (name: string, p: Project) => {
      const node = await RunningNode.start(name, p);
      nodes.push(node);
      return node;
    };
    try {
      for (const name of ['da', 'db']) {
        projects.push(
          await makeProject({
            node: name,
            endpoints: { [ENDPOINT]: 'sink.ts' },
            config: { coordination: { url, leaseMs: LEASE_MS } },
          }),
        );
      }
      const [pa, pb] = projects as [Project, Project];
      let a = await start('da', pa);
      await until('running on da', () => a.lines.some(running));
      const b = await start('db', pb);
      await until('db standing by', () => b.lines.some((l) => /^standing by: da/.test(l.msg)));

      // Stop, asked through the standby: the owner drains and releases it; nobody takes it.
      const fromA = a.lines.length;
      assert.deepEqual(JSON.parse(aes(pb, 'stop', ENDPOINT).stdout), {
        action: 'stop',
        endpoint: ENDPOINT,
        node: 'db',
      });
      await until('da stopping it', () =>
        a.lines
          .slice(fromA)
          .some((l) => /^desired state stopped: stopping the endpoint/.test(l.msg)),
      );
      await sleep(LEASE_MS * 1.5);
      for (const node of [a, b]) {
        const entry = await endpointOf(node);
        assert.equal(entry.state, 'stopped', `${node.name}: ${JSON.stringify(entry)}`);
        assert.equal(entry.pid, null, `${node.name}: no process, not even a warm standby`);
        assert.equal(entry.lease?.desired, 'stopped');
        assert.equal(entry.lease?.owner, null);
      }
      // It lasts: its last owner restarted does not run it.
      assert.equal(await a.stop(), 0);
      a = await start('da', pa);
      await until('da up', async () => (await endpointOf(a)).lease?.desired === 'stopped');
      await sleep(LEASE_MS);
      assert.equal(a.lines.filter(acquired).length, 0, 'stays stopped across a restart');

      // Start: one node runs it again.
      aes(pa, 'start', ENDPOINT);
      await until('someone runs it', () => [a, b].some((n) => n.lines.some(running)));
      const owner = a.lines.some(acquired) ? a : b;
      const other = owner === a ? b : a;
      const [fromOwner, fromOther] = [owner.lines.length, other.lines.length];

      // Move it to the other node: drained on the owner, taken by the other, desired running.
      const moved: unknown = JSON.parse(
        aes(owner.project, 'move', ENDPOINT, '--to', other.name).stdout,
      );
      assert.deepEqual(moved, { action: 'move', endpoint: ENDPOINT, node: other.name });
      await until('the owner handing it over', () =>
        owner.lines.slice(fromOwner).some((l) => /^desired state moving to/.test(l.msg)),
      );
      await until('running on the other', () => other.lines.slice(fromOther).some(running));
      const entry = await endpointOf(other);
      assert.equal(entry.lease?.owner, other.name);
      await until(
        'desired running',
        async () => (await endpointOf(other)).lease?.desired === 'running',
      );
      assert.equal((await endpointOf(owner)).state, 'standby');

      // Run by hand on the node that gave it away: refused, that node holds no lease for it and
      // keeps a warm standby of its own.
      const byHand = runCli(['endpoint', 'run', ENDPOINT, '-c', owner.project.configFile]);
      assert.equal(byHand.status, 1, byHand.stderr);
      assert.match(byHand.stdout + byHand.stderr, /standing by warm for its lease/);

      // A move refused at once: not an endpoint of this cluster's nodes.
      const refused = runCli(['endpoint', 'move', 'nope', '--to', other.name, '-c', pa.configFile]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /no endpoint 'nope'/);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      for (const pid of nodes.flatMap((n) => n.endpointPids())) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      await Promise.all(projects.map((p) => p[Symbol.asyncDispose]()));
      await etcd.close();
    }
  },
);
