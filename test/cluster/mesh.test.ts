/**
 * How a mesh closes and what kernels tell each other: a wildcard listener is advertised as the
 * host's interface addresses, host-local addresses (Unix sockets, loopback) reach only kernels on
 * the same host, every linked kernel hears of a newcomer, and a kernel never keeps dialing itself.
 * Kernels in one process on this machine's own addresses; the interface list is faked where the
 * test needs a host of a given shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { Kernel, type KernelOptions } from '../../cluster/index.js';
import { addressesFor, expandListenAddress, isHostLocal } from '../../cluster/advertise.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'mesh-test-secret';

function kernel(name: string, extra: Partial<KernelOptions> = {}): Kernel {
  return new Kernel({ name, secret: SECRET, ...extra });
}

function info(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

/** A non-loopback IPv4 address of this machine, to link over as if from another host. */
function externalIpv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  }
  return undefined;
}

test('a wildcard listener is advertised as the interface addresses; host-local ones never leave the host', () => {
  const interfaces = () => ({
    lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
    eth0: [
      info('10.0.0.5', 'IPv4'),
      info('fd00::5', 'IPv6'),
      info('fe80::1', 'IPv6'), // link-local: needs a zone to dial
    ],
    docker0: [info('172.17.0.1', 'IPv4')],
  });
  assert.deepEqual(expandListenAddress('tcp://0.0.0.0:7420', interfaces), [
    'tcp://10.0.0.5:7420',
    'tcp://172.17.0.1:7420',
    'tcp://127.0.0.1:7420',
  ]);
  assert.deepEqual(expandListenAddress('tls://[::]:7420', interfaces), [
    'tls://10.0.0.5:7420',
    'tls://172.17.0.1:7420',
    'tls://[fd00::5]:7420',
    'tls://[::1]:7420',
  ]);
  assert.deepEqual(expandListenAddress('tcp://10.0.0.5:7420', interfaces), ['tcp://10.0.0.5:7420']);
  assert.deepEqual(expandListenAddress('unix:/srv/aes/data/node.sock', interfaces), [
    'unix:/srv/aes/data/node.sock',
  ]);
  // Only loopback: nothing another host could use.
  const lonely = () => ({ lo: [info('127.0.0.1', 'IPv4', true)] });
  assert.deepEqual(expandListenAddress('tcp://0.0.0.0:7420', lonely), ['tcp://127.0.0.1:7420']);

  const all = [
    'tcp://10.0.0.5:7420',
    'unix:/srv/aes/data/node.sock',
    'tcp://127.0.0.1:7420',
    'tcp://[::1]:7420',
    'tcp://localhost:7420',
    'tcp://[::ffff:127.0.0.1]:7420',
    'tls://node-a.example:7420',
  ];
  assert.deepEqual(addressesFor(all, true), all);
  assert.deepEqual(addressesFor(all, false), ['tcp://10.0.0.5:7420', 'tls://node-a.example:7420']);
  assert.equal(isHostLocal('not an address'), true, 'what cannot be parsed is never sent away');
});

test("the kernel option 'advertise' is checked and told as given (host-local entries to local peers only)", async () => {
  assert.throws(
    () => kernel('x', { advertise: ['10.0.0.5:7420'] }),
    /kernel option 'advertise': address '10.0.0.5:7420' must look like tcp:\/\/host:port/,
  );
  const a = kernel('a', { advertise: ['tcp://a.example:7420', 'unix:/run/a.sock'] });
  const b = kernel('b');
  try {
    const listener = await a.listen('tcp://127.0.0.1:0');
    assert.deepEqual(a.listenAddresses(), ['tcp://a.example:7420', 'unix:/run/a.sock']);
    assert.deepEqual(a.listenAddresses({ sameHost: false }), ['tcp://a.example:7420']);
    const seen = await b.connect(listener.address);
    assert.deepEqual(
      seen.listen,
      ['tcp://a.example:7420', 'unix:/run/a.sock'],
      'b is on this host',
    );
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
  }
});

test('a kernel on 0.0.0.0 tells a peer on another address its interface addresses only; Unix sockets stay on the host', async (t) => {
  const external = externalIpv4();
  if (external === undefined) return t.skip('this machine has no non-loopback IPv4 address');
  const dir = mkdtempSync(join(tmpdir(), 'aes-mesh-'));
  const a = kernel('a');
  const local = kernel('local'); // on this host: over the Unix socket
  const remote = kernel('remote'); // as if on another host: over the external address
  const d = kernel('d'); // listens on a Unix socket only
  try {
    const tcp = await a.listen('tcp://0.0.0.0:0');
    const port = tcp.address.slice(tcp.address.lastIndexOf(':') + 1);
    const socket = `unix:${join(dir, 'a.sock')}`;
    await a.listen(socket);
    const dSocket = `unix:${join(dir, 'd.sock')}`;
    await d.listen(dSocket);
    const overUnix = await local.connect(socket);
    assert.ok(overUnix.listen.includes(socket), JSON.stringify(overUnix.listen));
    assert.ok(overUnix.listen.includes(`tcp://127.0.0.1:${port}`));
    assert.ok(overUnix.listen.includes(`tcp://${external}:${port}`));
    await d.connect(socket);
    const overTcp = await remote.connect(`tcp://${external}:${port}`);
    assert.ok(overTcp.listen.includes(`tcp://${external}:${port}`));
    assert.deepEqual(
      overTcp.listen.filter((x) => x.startsWith('unix:') || x.includes('127.0.0.1')),
      [],
      `told to another host: ${JSON.stringify(overTcp.listen)}`,
    );
    // a tells `remote` of `local`? `local` listens nowhere. Of d? Only its Unix socket: not told.
    await waitUntil('remote links everything it can', () => remote.kernels().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      remote.members().map((m) => m.name),
      ['a'],
      'remote never hears of d, whose only address is a Unix path on a host not its own',
    );
  } finally {
    await Promise.all([a, local, remote, d].map((k) => k.shutdown()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every linked kernel hears of a newcomer, not only the newcomer of them', async () => {
  const a = kernel('a');
  const b = kernel('b');
  // c dials nobody but its seed: b must hear of c from a and dial c itself.
  const c = kernel('c', { mesh: false });
  try {
    const seed = (await a.listen()).address;
    await b.listen();
    await c.listen();
    await b.addSeed(seed);
    await c.addSeed(seed);
    await waitUntil(
      'b linked to c',
      () => b.getKernel('c') !== undefined && c.getKernel('b') !== undefined,
    );
    assert.equal(b.getKernel('c')?.direction, 'outbound', 'b dialed c');
    assert.deepEqual(
      b
        .members()
        .map((m) => [m.name, m.connected])
        .sort(),
      [
        ['a', true],
        ['c', true],
      ],
    );
  } finally {
    await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
  }
});

test('kernels sharing one seed list, each its own address among them, start, mesh and stop dialing themselves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aes-mesh-'));
  const names = ['a', 'b', 'c'];
  const address = (name: string): string => `unix:${join(dir, `${name}.sock`)}`;
  const seeds = names.map(address);
  const kernels = names.map((name) => kernel(name, { seeds }));
  try {
    for (const k of kernels) await k.listen(address(k.name));
    // A dial of itself is not the NAME_TAKEN that fails a start.
    await Promise.all(kernels.map((k) => k.start()));
    const others = (k: Kernel): string[] => names.filter((n) => n !== k.name);
    await waitUntil('a full mesh, every seed known by its name', () =>
      kernels.every(
        (k) =>
          JSON.stringify(
            k
              .members()
              .map((m) => `${m.name}:${m.connected}`)
              .sort(),
          ) === JSON.stringify(others(k).map((n) => `${n}:true`)),
      ),
    );
    const conflicts = (): number[] => kernels.map((k) => k.stats().nameConflicts);
    const before = conflicts();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(conflicts(), before, 'no kernel dials itself again');
  } finally {
    await Promise.all(kernels.map((k) => k.shutdown()));
    rmSync(dir, { recursive: true, force: true });
  }
});
