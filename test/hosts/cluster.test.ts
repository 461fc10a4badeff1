/**
 * Three nodes on three hosts, configured as docs/operations.md suggests for a multi-host cluster
 * (`cluster.host: 0.0.0.0`, one seed, a shared secret file): what issue 15 asks of them. They do
 * not hold yet — every node advertises only its Unix socket, whose path is the same on every
 * host, so the mesh never closes and a dead node drops out of `aes status` — and so they are
 * skipped; `AES_HOSTS_TODO=1` runs them as `todo` to watch the fix make progress.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostBed,
  hostsSkipReason,
  Nemesis,
  type Host,
  type NodeProcess,
} from '../support/hosts/index.js';
import { pollUntil } from '../support/wait.js';

const ISSUE_15 =
  'issue 15: nodes advertise only their Unix socket (no cluster.advertise), so no mesh forms across hosts';
const unavailable = hostsSkipReason();
const when =
  unavailable !== undefined
    ? { skip: unavailable }
    : process.env.AES_HOSTS_TODO === '1'
      ? { todo: ISSUE_15 }
      : { skip: ISSUE_15 };

const SECRET = 'hosts-cluster-secret-0123456789';
const NAMES = ['node-a', 'node-b', 'node-c'] as const;

interface StatusJson {
  readonly nodes: readonly { readonly node: string; readonly error?: string; since?: string }[];
}

/** Each host's config: node-a on h1 is the seed of the others. */
async function configure(bed: HostBed): Promise<void> {
  for (const [i, host] of bed.hosts.entries()) {
    await host.writeFile('cluster.secret', `${SECRET}\n`, 0o600);
    await host.writeJson('aes.config.json', {
      node: NAMES[i],
      cluster: {
        host: '0.0.0.0',
        port: 7420,
        ...(i === 0 ? {} : { seeds: [`${bed.hosts[0]?.name}:7420`] }),
        secretFile: '/srv/aes/cluster.secret',
      },
      http: { host: '0.0.0.0', port: 9464 },
    });
  }
}

async function status(host: Host): Promise<{ code: number | null; json: StatusJson }> {
  const r = await host.aes(['status', '--json']);
  return { code: r.status, json: JSON.parse(r.stdout || '{"nodes":[]}') as StatusJson };
}

async function clusterOfThree(bed: HostBed): Promise<NodeProcess[]> {
  await configure(bed);
  const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
  const seed = await h1.startNode();
  return [seed, ...(await Promise.all([h2.startNode(), h3.startNode()]))];
}

/**
 * Polls every host's `aes status --json` until `done` holds for all of them; on timeout, fails
 * with what each host last said.
 */
async function waitStatus(
  what: string,
  hosts: readonly Host[],
  done: (s: { code: number | null; json: StatusJson }) => boolean,
  timeoutMs: number,
): Promise<void> {
  const last = new Map<string, unknown>();
  try {
    await pollUntil(
      what,
      async () => {
        for (const host of hosts) {
          const s = await status(host);
          last.set(host.name, s);
          if (!done(s)) return false;
        }
        return true;
      },
      timeoutMs,
    );
  } catch (err) {
    assert.fail(`${(err as Error).message}; last seen: ${JSON.stringify([...last])}`);
  }
}

/** Every host's `aes status` lists every node, none in error, and exits 0. */
function waitWhole(bed: HostBed, timeoutMs: number): Promise<void> {
  return waitStatus(
    'every host listing all three nodes',
    bed.hosts,
    ({ code, json }) =>
      code === 0 &&
      json.nodes
        .filter((n) => n.error === undefined)
        .map((n) => n.node)
        .join() === NAMES.join(),
    timeoutMs,
  );
}

describe('a cluster of three hosts (issue 15)', () => {
  test('one seed is enough: a full mesh forms, seen from every host', when, async () => {
    // Disposing the bed kills the nodes with everything else on the hosts.
    await using bed = await HostBed.create({ hosts: 3 });
    await clusterOfThree(bed);
    // The goal is 2 s from the last start; a loaded machine runs the CLI itself for seconds.
    await waitWhole(bed, 30_000);
  });

  test('a kill -9 is reported by every survivor, and a restart makes it whole', when, async () => {
    await using bed = await HostBed.create({ hosts: 3 });
    const nemesis = new Nemesis(bed);
    const [a, b, c] = (await clusterOfThree(bed)) as [NodeProcess, NodeProcess, NodeProcess];
    await waitWhole(bed, 30_000);
    const killed = await nemesis.kill(b);
    // The goal is 3 s; the CLI's own start counts here too.
    await waitStatus(
      'the survivors reporting node-b down',
      [a.host, c.host],
      ({ code, json }) => {
        const b = json.nodes.find((n) => n.node === 'node-b');
        return code === 1 && b?.error !== undefined && b.since !== undefined;
      },
      30_000,
    );
    await killed.heal();
    await waitWhole(bed, 30_000);
  });
});
