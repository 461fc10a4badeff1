/**
 * `aes-control/cluster-status` accounts for every node the answering node knows: a linked node
 * answers with its status, any other member — lost, never reached, reachable only through
 * another node — is `{ node, error, since }` (with `via` when another node still links to it),
 * never left out. Kernels in one process, links through a relay the test can cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientLite, Kernel } from '../../cluster/index.js';
import { installControlSession } from '../../runtime/node/control.js';
import { CONTROL_SESSION } from '../../runtime/node/control-session.js';
import {
  formatClusterStatus,
  type ClusterStatus,
  type NodeStatus,
} from '../../runtime/node/index.js';
import { pollUntil } from '../support/wait.js';
import { TcpRelay } from '../support/tcp-relay.js';

const SECRET = 'cluster-status-secret';

function node(name: string, extra: ConstructorParameters<typeof Kernel>[0] | object = {}): Kernel {
  const kernel = new Kernel({
    name,
    secret: SECRET,
    backoff: { initialMs: 20, maxMs: 50 },
    ...extra,
  });
  const status = (): NodeStatus => ({ node: name, pid: 1, startedAt: 'then', endpoints: [] });
  installControlSession(kernel, {
    node: name,
    status,
    info: () => ({ node: name, httpUrl: `http://${name}:9464` }),
    act: () => Promise.resolve(false),
  });
  return kernel;
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

test('cluster-status lists a node cut off from the answering node as unreachable, since when, and who still reaches it', async () => {
  // c is told to others at its relay's address, which the test cuts (c's port is set once known).
  const cRelay = await TcpRelay.start(0);
  const a = node('a');
  const b = node('b', { mesh: false });
  const c = node('c', { advertise: [cRelay.address], mesh: false });
  try {
    const cAddress = (await c.listen()).address;
    cRelay.target = portOf(cAddress);
    await b.connect((await a.listen()).address);
    await b.connect(cAddress); // b reaches c directly
    await a.connect(cRelay.address); // a only through the relay
    const ask = async (): Promise<ClusterStatus> =>
      (await a.call(`poe://a/${CONTROL_SESSION}/cluster-status`)) as ClusterStatus;
    assert.deepEqual(
      (await ask()).nodes.map((n) => [n.node, n.error]),
      [
        ['a', undefined],
        ['b', undefined],
        ['c', undefined],
      ],
    );
    const cutAt = Date.now();
    await cRelay.close();
    await pollUntil('a lost c', () => a.getKernel('c') === undefined, 5_000);
    const status = await ask();
    const down = status.nodes.find((n) => n.node === 'c');
    assert.ok(down?.error !== undefined, JSON.stringify(status));
    assert.match(down.error, /^not linked to a: lost: /);
    assert.ok(Date.parse(down.since) >= cutAt - 1_000 && Date.parse(down.since) <= Date.now());
    assert.deepEqual(down.via, ['b'], 'b still links to c');
    const self = status.nodes.find((n) => n.node === 'a');
    assert.deepEqual(self !== undefined && self.error === undefined ? self.links : [], ['b']);
    const table = formatClusterStatus(status);
    assert.match(
      table,
      /^c\s+-\s+unreachable\s+-\s+-\s+-\s+since \S+: not linked to a: lost: .*; b still linked to it$/m,
    );
  } finally {
    await cRelay.close();
    await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
  }
});

test('cluster-status lists a seed never reached by its address', async () => {
  const closed = await TcpRelay.start(1);
  await closed.close();
  const a = node('a', { seeds: [closed.address] });
  try {
    await a.listen();
    await a.start();
    const status = (await a.call(`poe://a/${CONTROL_SESSION}/cluster-status`)) as ClusterStatus;
    const seed = status.nodes.find((n) => n.node === closed.address);
    assert.ok(seed?.error !== undefined, JSON.stringify(status));
    assert.match(seed.error, /^not linked to a: dial: /);
    assert.ok(!Number.isNaN(Date.parse(seed.since)));
  } finally {
    await a.shutdown();
  }
});

test('cluster-status lists a node refused for its secret, not a command-line client', async () => {
  const a = node('a');
  const wrongNode = new Kernel({ name: 'intruder', secret: 'not-the-secret' });
  try {
    const { address } = await a.listen();
    await assert.rejects(
      ClientLite.connect({ address, secret: 'not-the-secret', name: 'cli-typo', timeoutMs: 5_000 }),
      /AUTH_FAILED|secret/,
    );
    await assert.rejects(wrongNode.connect(address), /AUTH_FAILED|secret/);
    await pollUntil('both refusals recorded', () => a.refusals().length === 2, 10_000);
    assert.deepEqual(
      a
        .refusals()
        .map((r) => `${r.name ?? ''}:${r.role ?? ''}`)
        .sort(),
      ['cli-typo:client', 'intruder:kernel'],
    );
    const status = (await a.call(`poe://a/${CONTROL_SESSION}/cluster-status`)) as ClusterStatus & {
      refused?: { node: string; code: string }[];
    };
    assert.deepEqual(
      (status.refused ?? []).map((r) => `${r.node} ${r.code}`),
      ['intruder AUTH_FAILED'],
    );
  } finally {
    await Promise.all([a.shutdown(), wrongNode.shutdown()]);
  }
});
