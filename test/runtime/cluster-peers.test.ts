/**
 * What a node logs about its cluster: peer nodes linked, lost (warn, with the reason), back and
 * left (info) — never its endpoints or clients — and the start-up warning of a node that nodes on
 * other hosts cannot reach.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientLite, Kernel } from '../../cluster/index.js';
import { parseConfig, type Logger } from '../../runtime/node/index.js';
import { MemberDirectory } from '../../runtime/node/members.js';
import {
  advertiseWarning,
  foreignAdvertiseWarning,
  peerStates,
  watchPeerNodes,
} from '../../runtime/node/cluster-peers.js';
import { logRefusal, logUnreachable } from '../../runtime/node/cluster-faults.js';
import { ClusterError } from '../../cluster/index.js';
import { pollUntil } from '../support/wait.js';
import { TcpRelay } from '../support/tcp-relay.js';

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

const SECRET = 'cluster-peers-secret';

type Line = [level: string, msg: string, fields: Record<string, unknown>];

function memoryLog(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Readonly<Record<string, unknown>> = {}): void => {
      lines.push([level, msg, { ...fields }]);
    };
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return { log, lines };
}

test('peer nodes linked, lost with the reason, back and left are logged at their levels', async () => {
  const a = new Kernel({ name: 'node-a', secret: SECRET });
  const { log, lines } = memoryLog();
  let now = 1_000;
  const stop = watchPeerNodes(a, log, () => now);
  const address = (await a.listen()).address;
  const path = await TcpRelay.start(portOf(address));
  const b = new Kernel({ name: 'node-b', secret: SECRET, mesh: false });
  const endpoint = new Kernel({ name: 'orders@node-a', secret: SECRET, mesh: false });
  try {
    await b.connect(path.address);
    await endpoint.connect(address);
    const client = await ClientLite.connect({ address, secret: SECRET });
    await client.close();
    await endpoint.shutdown();
    now = 2_000;
    await path.cut();
    await pollUntil('b lost', () => lines.length >= 2, 5_000);
    now = 5_000;
    await path.heal();
    await b.connect(path.address);
    await pollUntil('b back', () => lines.length >= 3, 5_000);
    await b.shutdown('node stopping');
    await pollUntil('b left', () => lines.length >= 4, 5_000);
    assert.deepEqual(
      lines.map(([level, msg, f]) => [level, msg, f.peer, f.downMs ?? f.reason]),
      [
        ['info', 'peer node linked', 'node-b', undefined],
        ['warn', 'peer node lost', 'node-b', "connection to 'node-b' closed by the peer"],
        ['info', 'peer node back', 'node-b', 3_000],
        ['info', 'peer node left', 'node-b', 'peer left: node stopping'],
      ],
      'the endpoint and the client are not peer nodes',
    );
  } finally {
    stop();
    await path.close();
    await Promise.all([a.shutdown(), b.shutdown(), endpoint.shutdown()]);
  }
});

test('a node nobody on another host can dial says so at start, naming cluster.advertise', () => {
  const config = (cluster: Record<string, unknown>) =>
    parseConfig({ node: 'a', cluster: { secret: SECRET.repeat(2), ...cluster } });
  const warning = advertiseWarning(config({ host: '0.0.0.0' }), []);
  assert.match(warning ?? '', /no address that nodes on other hosts can dial.*cluster\.advertise/);
  assert.ok(advertiseWarning(config({ seeds: ['h1:7420'] }), []), 'a seed on another host');
  assert.equal(advertiseWarning(config({ host: '0.0.0.0' }), ['tcp://10.0.0.5:7420']), undefined);
  // A cluster on one machine's loopback needs nothing more.
  assert.equal(advertiseWarning(config({ seeds: ['127.0.0.1:7421'] }), []), undefined);
  assert.equal(advertiseWarning(config({}), []), undefined);
});

test('an advertised IP no interface of this host has is warned of at start', () => {
  const config = parseConfig({
    node: 'a',
    cluster: { secret: SECRET.repeat(2), advertise: ['10.9.9.9', '10.0.0.5:7421', 'a.example'] },
  });
  const interfaces = () => ({
    eth0: [
      {
        address: '10.0.0.5',
        netmask: '255.255.255.0',
        family: 'IPv4' as const,
        mac: '00:00:00:00:00:00',
        internal: false,
        cidr: '10.0.0.5/24',
      },
    ],
  });
  const warning = foreignAdvertiseWarning(config, interfaces);
  assert.match(warning ?? '', /cluster\.advertise 10\.9\.9\.9:7420 is not an address of this host/);
  assert.doesNotMatch(warning ?? '', /10\.0\.0\.5|a\.example/);
});

test('refusals and unreachable members are logged with the addresses on both sides', () => {
  const { log, lines } = memoryLog();
  const base = { since: 0, last: 0, count: 3, unreported: 0, role: 'kernel' as const };
  logRefusal(log, {
    ...base,
    direction: 'inbound',
    code: 'NAME_TAKEN',
    name: 'node-b',
    address: '10.0.0.3:41000',
    message: "a kernel named 'node-b' is already connected …",
  });
  logRefusal(log, {
    ...base,
    direction: 'inbound',
    code: 'AUTH_FAILED',
    name: 'node-c',
    address: '10.0.0.4:41000',
    message: 'secret',
  });
  logRefusal(log, {
    ...base,
    direction: 'outbound',
    code: 'AUTH_FAILED',
    name: undefined,
    address: 'tcp://h1:7420',
    message: 'secret',
  });
  const failure = (address: string) => ({
    address,
    code: 'TIMEOUT' as const,
    message: new ClusterError('TIMEOUT', 'no connection within 2000 ms').message,
  });
  const unreachable = { failingSince: 0, attempts: 1, redialing: true };
  logUnreachable(log, {
    ...unreachable,
    name: undefined,
    seed: true,
    failures: [failure('tcp://10.0.0.9:7420')],
  });
  logUnreachable(log, {
    ...unreachable,
    name: 'node-x',
    seed: false,
    failures: [failure('tcp://10.9.9.9:7420')],
  });
  assert.deepEqual(
    lines.map(([level, msg]) => [level, msg]),
    [
      ['error', "cluster: refused 'node-b' from 10.0.0.3:41000: NAME_TAKEN (name already linked)"],
      [
        'warn',
        "cluster: refused 'node-c' from 10.0.0.4:41000: AUTH_FAILED (its secret does not match ours)",
      ],
      ['error', 'cluster: refused by tcp://h1:7420: AUTH_FAILED'],
      ['warn', 'cluster: seed tcp://10.0.0.9:7420 did not answer'],
      ['warn', 'cluster: cannot reach node-x at tcp://10.9.9.9:7420 (advertised by node-x)'],
    ],
  );
  assert.equal(lines[0]?.[2].times, 3);
});

test('aes_cluster_peers: a node that left is down (no longer redialed), not reconnecting', async () => {
  const a = new Kernel({ name: 'a', secret: SECRET });
  const b = new Kernel({ name: 'b', secret: SECRET });
  const c = new Kernel({ name: 'c', secret: SECRET });
  try {
    const { address } = await a.listen();
    // Nodes listen: a knows them as members by what they advertise.
    await Promise.all([b.listen(), c.listen()]);
    await Promise.all([b.connect(address), c.connect(address)]);
    const members = new MemberDirectory(a, () => ({ node: 'a', httpUrl: 'http://a:9464' }));
    const states = () => peerStates(members.others());
    await pollUntil('a links b and c', () => states().connected === 2, 10_000);
    assert.deepEqual(states(), { connected: 2, reconnecting: 0, down: 0 });
    // b says goodbye: a does not dial it again (it is not a's seed).
    await b.shutdown();
    await pollUntil('b gone from the links', () => states().connected === 1, 10_000);
    assert.deepEqual(states(), { connected: 1, reconnecting: 0, down: 1 });
    members.close();
  } finally {
    await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
  }
});
