/**
 * The multi-host test bed itself (issue 15): hosts see each other by address and only their own
 * loopback, each has its own files at the same path, the nemesis's faults do what they say and
 * heal, and nothing of a bed is left on the machine afterwards — after a throw inside its use,
 * after its process died of an error or a signal, and (by the sweep) after a SIGKILL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  DelayRelay,
  HostBed,
  hostsSkipReason,
  Nemesis,
  PROBE_MAIN,
  sweepLeftovers,
  TSX,
  type Host,
} from '../support/hosts/index.js';
import { pollUntil } from '../support/wait.js';

const skip = hostsSkipReason() ?? false;
const CHILD = fileURLToPath(new URL('./fixtures/bed-child.ts', import.meta.url));
const PORT = 7000;

interface Answer {
  readonly host?: string;
  readonly remote?: string;
  readonly error?: string;
  readonly ms?: number;
}

/** Starts the probe server (TCP who-are-you, UDP echo) on a host; stops when disposed. */
async function serve(host: Host): Promise<AsyncDisposable & { child: ChildProcess }> {
  const child = host.spawn(host.nodeArgv(PROBE_MAIN, ['serve', String(PORT)]), {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`probe on ${host.name} exited (${code})`)));
  });
  assert.deepEqual(JSON.parse(ready), { ready: true });
  return {
    child,
    [Symbol.asyncDispose]: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      if (child.exitCode === null) await exited;
    },
  };
}

/** One TCP connection from a host: who answered and whom it saw, or the error. */
async function ask(from: Host, address: string, port = PORT, timeoutMs = 3_000): Promise<Answer> {
  const { ms: _ms, ...answer } = await timedAsk(from, address, port, timeoutMs);
  return answer;
}

/** {@link ask}, with how long it took on the host (`ms`). */
async function timedAsk(
  from: Host,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<Answer> {
  const argv = from.nodeArgv(PROBE_MAIN, ['ask', address, String(port), String(timeoutMs)]);
  return JSON.parse((await from.exec(argv)).stdout) as Answer;
}

async function udp(
  from: Host,
  to: Host,
  count: number,
): Promise<{ sent: number; received: number; sendErrors: number }> {
  const r = await from.exec(
    from.nodeArgv(PROBE_MAIN, ['udp', to.address, String(PORT), String(count)]),
  );
  return JSON.parse(r.stdout) as { sent: number; received: number; sendErrors: number };
}

function rootLinks(): string {
  return spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
}

function alive(pid: number): boolean {
  try {
    // A zombie (not reaped yet) is dead for our purpose.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Nothing of bed `id` on the machine: namespaces, links, mounts, its folder, its processes. */
function assertGone(bed: { id: string; dir: string; pids?: readonly number[] }): void {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  assert.ok(!netns.includes(`${bed.id}-`), `namespaces of ${bed.id} left:\n${netns}`);
  const mounts = readFileSync('/proc/mounts', 'utf8');
  assert.ok(!mounts.includes(bed.id), `a mount of ${bed.id} left:\n${mounts}`);
  assert.ok(!mounts.includes(bed.dir), `a mount under ${bed.dir} left`);
  assert.ok(!mounts.includes('/srv/aes'), `a mount of /srv/aes in the machine's namespace`);
  assert.ok(!existsSync(bed.dir), `${bed.dir} left`);
  for (const pid of bed.pids ?? []) assert.ok(!alive(pid), `process ${pid} of ${bed.id} left`);
}

describe('multi-host test bed', () => {
  test(
    'hosts reach each other by address and name, and only their own loopback',
    { skip },
    async () => {
      await using bed = await HostBed.create({ hosts: 3 });
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      assert.deepEqual(
        bed.hosts.map((h) => h.address),
        ['10.215.15.11', '10.215.15.12', '10.215.15.13'],
      );
      // Each host has its loopback and its own address, and no route out of the bed.
      for (const h of bed.hosts) {
        const addresses = h.ip(['-4', '-o', 'addr', 'show']);
        assert.match(addresses, /\blo\s+inet 127\.0\.0\.1\/8/);
        assert.deepEqual(
          [...addresses.matchAll(/inet (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]),
          ['127.0.0.1', h.address],
        );
        assert.doesNotMatch(h.ip(['-4', 'route', 'show']), /default/);
      }
      // None of it exists in the machine's own namespace.
      const rootAddresses = spawnSync('ip', ['-4', '-o', 'addr', 'show'], {
        encoding: 'utf8',
      }).stdout;
      assert.ok(!rootAddresses.includes(`${bed.subnet}.`), rootAddresses);
      const links = rootLinks();
      assert.ok(!links.includes(bed.id) && !/\bv-h[123]\b/.test(links), links);

      await using _s1 = await serve(h1);
      await using _s2 = await serve(h2);
      assert.deepEqual(await ask(h2, h1.address), { host: 'h1', remote: h2.address });
      assert.deepEqual(
        await ask(h3, 'h1'),
        { host: 'h1', remote: h3.address },
        '/etc/hosts names hosts',
      );
      assert.deepEqual(await ask(h1, h2.address), { host: 'h2', remote: h1.address });
      // 127.0.0.1 is each host's own: h2 reaches itself, h3 (nothing listening) nobody.
      assert.deepEqual(await ask(h2, '127.0.0.1'), { host: 'h2', remote: '127.0.0.1' });
      assert.deepEqual(await ask(h3, '127.0.0.1'), { error: 'ECONNREFUSED' });
    },
  );

  test(
    'each host has its own files at the same path, its own hostname and mounts',
    { skip },
    async () => {
      await using bed = await HostBed.create({ hosts: 3 });
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      await h1.writeFile('whoami', 'one\n');
      await h2.writeFile('/srv/aes/whoami', 'two\n');
      const look = (h: Host) =>
        h.exec(['sh', '-c', `hostname; cat /srv/aes/whoami 2>&1; ls -A ${bed.dir} | wc -l`], {
          allowFailure: true,
        });
      assert.equal((await look(h1)).stdout, 'h1\none\n0\n');
      assert.equal((await look(h2)).stdout, 'h2\ntwo\n0\n', 'the bed folder is hidden on hosts');
      assert.match((await look(h3)).stdout, /^h3\ncat: \/srv\/aes\/whoami: No such file/);
      // A file written on a host lands in that host's folder only.
      await h3.exec(['sh', '-c', 'mkdir -p data && echo made-on-h3 > data/file && pwd']);
      assert.equal(await h3.readFile('data/file'), 'made-on-h3\n');
      assert.ok(!existsSync(h1.path('data/file')) && !existsSync(h2.path('data/file')));
      assert.equal((await h3.exec(['pwd'])).stdout, '/srv/aes\n', 'commands start in the root');
      // The hosts' mounts stay in their own mount namespaces.
      const mounts = readFileSync('/proc/mounts', 'utf8');
      assert.ok(!mounts.includes('/srv/aes') && !mounts.includes(bed.dir), mounts);
    },
  );

  test('a cut host reaches nobody but itself; healed, everyone again', { skip }, async () => {
    await using bed = await HostBed.create({ hosts: 3 });
    const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
    await using nemesis = new Nemesis(bed);
    await using _s1 = await serve(h1);
    await using _s2 = await serve(h2);
    assert.equal((await ask(h2, h1.address)).host, 'h1');

    const cut = await nemesis.cut(h1);
    assert.equal(bed.isLinkUp(h1), false);
    assert.deepEqual(await ask(h2, h1.address, PORT, 1_500), { error: 'TIMEOUT' });
    assert.ok(
      ['TIMEOUT', 'EHOSTUNREACH'].includes((await ask(h1, h2.address, PORT, 1_500)).error ?? ''),
    );
    assert.equal((await ask(h1, '127.0.0.1')).host, 'h1', 'its loopback still works');
    assert.equal((await ask(h3, h2.address)).host, 'h2', 'the others still talk');

    await cut.heal();
    assert.equal(bed.isLinkUp(h1), true);
    assert.equal((await ask(h2, h1.address)).host, 'h1');
    assert.equal((await ask(h1, h2.address)).host, 'h2');
    assert.deepEqual(
      nemesis.history.map((e) => `${e.op} ${e.target}`),
      ['cut h1', 'heal h1'],
    );
  });

  test('a partition drops packets between groups only', { skip }, async () => {
    await using bed = await HostBed.create({ hosts: 3 });
    const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
    await using nemesis = new Nemesis(bed);
    await using _s1 = await serve(h1);
    const partition = await nemesis.partition([h1], [h2]);
    assert.deepEqual(await ask(h2, h1.address, PORT, 1_500), { error: 'TIMEOUT' });
    assert.equal((await ask(h3, h1.address)).host, 'h1', 'a host in no group talks to both');
    await partition.heal();
    assert.equal((await ask(h2, h1.address)).host, 'h1');
    assert.equal(h1.nftCommand(['list', 'ruleset']).trim(), '', 'healing removed the tables');
  });

  test('random loss drops about the configured share of packets', { skip }, async () => {
    await using bed = await HostBed.create({ hosts: 2 });
    const [h1, h2] = bed.hosts as [Host, Host];
    await using nemesis = new Nemesis(bed);
    await using _s1 = await serve(h1);
    const N = 1_000;
    // A stalled echo server (a loaded machine) may overflow its socket buffer: allow for a few.
    const clean = await udp(h2, h1, N);
    assert.ok(clean.received >= 0.99 * N && clean.sendErrors === 0, JSON.stringify(clean));

    // 30 % of what arrives at h1: the echoes of ~70 % come back (3 σ ≈ 4.5 %).
    const inbound = await nemesis.loss(h1, 30, { direction: 'in' });
    const lossy = await udp(h2, h1, N);
    assert.ok(lossy.received >= 0.6 * N && lossy.received <= 0.8 * N, JSON.stringify(lossy));
    await inbound.heal();

    // 20 % each way: a round trip survives with 0.8² = 64 %.
    const both = await nemesis.loss(h1, 20);
    const twoWay = await udp(h2, h1, N);
    assert.ok(twoWay.received >= 0.54 * N && twoWay.received <= 0.74 * N, JSON.stringify(twoWay));
    assert.equal(twoWay.sendErrors, 0, 'a drop is silent, as on the wire');
    await both.heal();

    const healed = await udp(h2, h1, 200);
    assert.ok(healed.received >= 198, `healed, no loss: ${JSON.stringify(healed)}`);
  });

  test('a relay delays a path by the set amount', { skip }, async () => {
    await using bed = await HostBed.create({ hosts: 3 });
    const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
    await using nemesis = new Nemesis(bed);
    await using _s1 = await serve(h1);
    await using relay = await DelayRelay.start(h2, { to: { host: h1, port: PORT } });
    const direct = await timedAsk(h3, h2.address, relay.port, 3_000);
    assert.equal(direct.host, 'h1', 'through the relay');
    assert.equal(direct.remote, h2.address, 'h1 sees the relay');
    assert.ok((direct.ms ?? Infinity) < 600, `no delay yet: ${direct.ms} ms`);

    const slow = await nemesis.delay(relay, 600);
    const delayed = await timedAsk(h3, h2.address, relay.port, 10_000);
    assert.equal(delayed.host, 'h1');
    assert.ok((delayed.ms ?? 0) >= 600, `delayed: ${delayed.ms} ms`);
    await slow.heal();
    assert.equal(relay.delayMs, 0);
  });

  test(
    'aes run on a host: its files, its address, kill -9 and a start again',
    { skip },
    async () => {
      await using bed = await HostBed.create({ hosts: 2 });
      const [h1, h2] = bed.hosts as [Host, Host];
      const nemesis = new Nemesis(bed);
      await h1.writeJson('aes.config.json', {
        node: 'solo',
        cluster: { host: '0.0.0.0', port: 7420 },
        http: { host: '0.0.0.0', port: 9464 },
      });
      const node = await h1.startNode();
      assert.ok(h1.pids().includes(node.pid), 'the node runs on its host');
      assert.equal(
        node.lines.find((l) => l.msg === 'kernel listening')?.socket,
        '/srv/aes/data/node.sock',
      );
      assert.equal(
        node.lines.find((l) => l.msg === 'http listening')?.advertised,
        'http://h1:9464',
        'a wildcard bind advertises the hostname: the host name',
      );
      assert.ok(existsSync(h1.path('data/node.secret')) && !existsSync(h2.path('data')));
      // Another host reaches it by its name and address.
      const fetched = await h2.exec([
        process.execPath,
        '-e',
        'fetch("http://h1:9464/healthz").then((r) => r.text()).then(console.log)',
      ]);
      assert.equal(fetched.stdout.trim(), 'ok');

      const killed = await nemesis.kill(node);
      assert.equal(killed.exit.signal, 'SIGKILL');
      assert.ok(!h1.pids().includes(node.pid));
      const again = await killed.heal();
      assert.notEqual(again.pid, node.pid);
      const local = await h1.aes(['status', '--json']);
      assert.equal(local.status, 0, local.stderr);
      assert.deepEqual(
        (JSON.parse(local.stdout) as { nodes: { node: string }[] }).nodes.map((n) => n.node),
        ['solo'],
      );
      assert.equal((await again.stop()).code, 0, again.tail());
      assert.deepEqual(
        nemesis.history.map((e) => `${e.op} ${e.target}`),
        ['kill h1', 'start h1'],
      );
    },
  );

  test(
    'disposal leaves nothing behind, also after a throw inside the bed’s use',
    { skip },
    async () => {
      let seen: { id: string; dir: string; pids: number[] } | undefined;
      await assert.rejects(async () => {
        await using bed = await HostBed.create({ hosts: 2 });
        const host = bed.hosts[0] as Host;
        const sleeper = host.spawn(['sleep', '600'], { stdio: 'ignore' });
        await pollUntil('sleep on h1', () => host.pids().includes(sleeper.pid ?? -1), 10_000);
        seen = { id: bed.id, dir: bed.dir, pids: host.pids() };
        assert.ok(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(bed.id));
        throw new Error('inside the bed');
      }, /inside the bed/);
      assert.ok(seen !== undefined);
      assertGone(seen);
    },
  );

  for (const mode of ['throw', 'sigterm'] as const) {
    test(
      `a process that dies (${mode}) with a live bed tears it down on its way out`,
      { skip },
      async () => {
        const child = spawn(process.execPath, ['--import', TSX, CHILD, mode], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
          child.once('exit', (code, signal) => resolve([code, signal])),
        );
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: child.stdout }).once('line', resolve);
          void exited.then(([code]) => reject(new Error(`child exited (${code}) first`)));
        });
        const bed = JSON.parse(line) as { id: string; dir: string; probe: number };
        assert.ok(alive(bed.probe));
        if (mode === 'sigterm') child.kill('SIGTERM');
        const [code, signal] = await exited;
        assert.deepEqual(mode === 'throw' ? code : signal, mode === 'throw' ? 1 : 'SIGTERM');
        assertGone({ ...bed, pids: [bed.probe] });
      },
    );
  }

  test('the sweep removes what a SIGKILLed process left', { skip }, async () => {
    const child = spawnSync(process.execPath, ['--import', TSX, CHILD, 'sigkill'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const bed = JSON.parse(child.stdout) as {
      id: string;
      dir: string;
      netns: string[];
      probe: number;
    };
    // Another bed's sweep (a parallel test file) may have been first.
    const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    if (listed.includes(bed.id)) assert.ok(alive(bed.probe), 'the leftover still runs its process');
    const swept = sweepLeftovers();
    assert.ok(
      bed.netns.every((n) => swept.includes(n) || !listed.includes(n)),
      `swept ${swept.join(', ')}`,
    );
    await pollUntil('the leftover process reaped', () => !alive(bed.probe), 5_000);
    assertGone({ ...bed, pids: [bed.probe] });
  });
});
