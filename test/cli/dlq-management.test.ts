/**
 * `aes dlq list` and `show` through RabbitMQ's management API, as real CLI processes against the
 * machine's RabbitMQ (STOMP plugin 61613, management plugin 15672, `bash .ci/services.sh`): what
 * they read equals what a STOMP browse reads, the letters stay in their queue, and the API is
 * refused or passed over, with a message naming the flags, when it cannot be used or belongs to
 * another broker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createTransport, type Destination } from '../../transports/index.js';
import { runCliAsync, type CliRun } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { serviceSkipReason } from '../support/services.js';
import { tempDir } from '../runtime/support/helpers.js';

const STOMP_PORT = 61613;
const RABBIT = `stomp://guest:guest@127.0.0.1:${STOMP_PORT}?queueExpiresMs=600000`;

const skip =
  (await serviceSkipReason('RabbitMQ STOMP', '127.0.0.1', STOMP_PORT)) ??
  (await serviceSkipReason('RabbitMQ management API', '127.0.0.1', 15672));

/** Runs `aes` asynchronously (a proxy in this process must keep answering). */
function aes(args: readonly string[], config: string): Promise<CliRun> {
  return runCliAsync([...args, '-c', config]);
}

interface Listed {
  readonly via: string;
  readonly letters: { readonly messageId: string }[];
}

async function list(config: string, ...flags: string[]): Promise<Listed & { stderr: string }> {
  const r = await aes(['dlq', 'list', '--json', ...flags], config);
  assert.equal(r.status, 0, `${r.stderr}${r.stdout}`);
  const json = JSON.parse(r.stdout) as Listed;
  const letters = [...json.letters].sort((a, b) => a.messageId.localeCompare(b.messageId));
  return { via: json.via, letters, stderr: r.stderr };
}

/** A project with one endpoint (found by name only) whose dead-letter queue holds three letters. */
async function project(dir: string, brokerUrl: string) {
  const name = `mgmt-in-${randomBytes(3).toString('hex')}`;
  const root = join(dir, 'project');
  await mkdir(join(root, 'endpoints', name), { recursive: true });
  await writeFile(join(root, 'endpoints', name, 'index.ts'), 'export default null;\n');
  const config = join(root, 'aes.config.json');
  await writeFile(config, JSON.stringify({ node: 'n1', broker: { urls: [brokerUrl] } }));
  const dlq: Destination = `/queue/dead-letter.${name}`;
  const source: Destination = `/queue/orders-${name}`;
  // The broker URL's queue arguments: every declaration of a queue must carry the same.
  const transport = createTransport(brokerUrl);
  await transport.connect();
  try {
    const letter = (n: number, atMs: number) => ({
      'aes-dead-letter-reason': `target refused ${n}`,
      'aes-dead-letter-endpoint': name,
      'aes-dead-letter-from': source,
      'aes-dead-letter-at': new Date(atMs).toISOString(),
      'aes-delivery-count': String(n + 1),
      traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`,
    });
    await transport.publish(dlq, JSON.stringify({ n: 1 }), {
      messageId: 'src:1',
      headers: { ...letter(1, Date.now() - 2 * 3_600_000), 'content-type': 'application/json' },
    });
    // A body that is not UTF-8 must come back byte for byte.
    await transport.publish(dlq, Buffer.from([0xff, 0x00, 0xfe, 0x41]), {
      messageId: 'src:2',
      headers: letter(2, Date.now()),
    });
    await transport.publish(dlq, 'three', { messageId: 'src:3', headers: letter(3, Date.now()) });
  } finally {
    await transport.close();
  }
  return { name, config, dlq, source };
}

test(
  'aes dlq list and show read through the management API what a STOMP browse reads, and leave it in place',
  { skip },
  async () => {
    await using dir = await tempDir();
    const { config, dlq, source } = await project(dir.path, RABBIT);

    const viaApi = await list(config);
    assert.equal(viaApi.via, 'management');
    assert.equal(viaApi.stderr, '', 'no notice when the API is used');
    assert.deepEqual(
      viaApi.letters.map((l) => l.messageId),
      ['src:1', 'src:2', 'src:3'],
    );
    const viaStomp = await list(config, '--browse', 'stomp');
    assert.equal(viaStomp.via, 'stomp');
    // Every field the same: id, queue, origin, endpoint, reason, deliveries, time.
    assert.deepEqual(viaApi.letters, viaStomp.letters);
    const first = viaApi.letters[0] as unknown as Record<string, unknown>;
    assert.equal(first.originalDestination, source);
    assert.equal(first.deadLetterQueue, dlq);
    assert.equal(first.deliveryCount, 2);

    for (const id of ['src:1', 'src:2', 'src:3']) {
      const api = await aes(['dlq', 'show', id, '--json'], config);
      const stomp = await aes(['dlq', 'show', id, '--json', '--browse', 'stomp'], config);
      assert.equal(api.status, 0, api.stderr);
      assert.equal(stomp.status, 0, stomp.stderr);
      type Shown = { headers: Record<string, string>; body?: string; bodyBase64?: string };
      const a = JSON.parse(api.stdout) as Shown;
      const s = JSON.parse(stomp.stdout) as Shown;
      assert.equal(a.body, s.body, id);
      assert.equal(a.bodyBase64, s.bodyBase64, id);
      // The message's own headers; not those of one STOMP delivery (ack, subscription, …).
      for (const h of Object.keys(s.headers).filter(
        (k) => k.startsWith('aes-') || ['content-type', 'traceparent', 'persistent'].includes(k),
      )) {
        assert.equal(a.headers[h], s.headers[h], `${id} header ${h}`);
      }
    }
    const binary = await aes(['dlq', 'show', 'src:2', '--json'], config);
    assert.equal((JSON.parse(binary.stdout) as { bodyBase64: string }).bodyBase64, '/wD+QQ==');

    // Filters apply the same; reading took nothing away.
    assert.deepEqual(
      (await list(config, '--older-than', '1h')).letters.map((l) => l.messageId),
      ['src:1'],
    );
    const unknown = await aes(['dlq', 'show', 'nope:9'], config);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /DLQ_NOT_FOUND.*'nope:9'/);
    const text = await aes(['dlq', 'list'], config);
    assert.ok(text.stdout.includes(`${dlq}: 3 dead letters`), text.stdout);

    // replay and drop still browse over STOMP, exactly: one letter dropped, the rest kept.
    const dropped = await aes(['dlq', 'drop', 'src:3', '--json'], config);
    assert.equal(dropped.status, 0, dropped.stderr);
    assert.deepEqual(
      (await list(config)).letters.map((l) => l.messageId),
      ['src:1', 'src:2'],
    );
    const all = await aes(['dlq', 'drop', '--all'], config);
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual((await list(config)).letters, []);
  },
);

/** A TCP proxy to RabbitMQ's STOMP port: the same broker on a port its listeners do not name. */
async function stompProxy(): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: STOMP_PORT });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server, sockets };
}

test(
  'aes dlq: a management API that cannot be used is refused when asked for, passed over with a notice otherwise',
  { skip },
  async () => {
    await using dir = await tempDir();
    const closed = await freePort();
    const { config } = await project(dir.path, RABBIT);

    const forced = await aes(
      ['dlq', 'list', '--browse', 'management', '--management-url', `http://127.0.0.1:${closed}`],
      config,
    );
    assert.notEqual(forced.status, 0);
    assert.match(forced.stderr, /DLQ_NO_MANAGEMENT/);
    assert.match(forced.stderr, new RegExp(`127\\.0\\.0\\.1:${closed}.* unreachable`));
    assert.match(forced.stderr, /--management-url/);
    assert.ok(forced.ms < 20_000, `refused in ${forced.ms} ms`);

    // A URL named is a URL asked for: it fails rather than reading another way.
    const named = await aes(
      ['dlq', 'show', 'src:1', '--management-url', `http://127.0.0.1:${closed}`],
      config,
    );
    assert.notEqual(named.status, 0);
    assert.match(named.stderr, /DLQ_NO_MANAGEMENT.*unreachable/);

    const badLogin = await aes(
      ['dlq', 'list', '--management-url', 'http://nobody:wrong@127.0.0.1:15672'],
      config,
    );
    assert.notEqual(badLogin.status, 0);
    assert.match(badLogin.stderr, /answered 401.*login 'nobody' refused/);

    const badMethod = await aes(['dlq', 'list', '--browse', 'sometimes'], config);
    assert.notEqual(badMethod.status, 0);
    assert.match(badMethod.stderr, /--browse.*expected one of auto, management, stomp/);

    // The same broker behind a proxy: the API at its host lists no STOMP listener on the
    // proxy's port, so it is not taken for that broker's; the letters are read over STOMP.
    const proxy = await stompProxy();
    try {
      const behind = join(dir.path, 'project', 'behind.json');
      await writeFile(
        behind,
        JSON.stringify({
          node: 'n1',
          broker: { urls: [`stomp://guest:guest@127.0.0.1:${proxy.port}?queueExpiresMs=600000`] },
        }),
      );
      const fallback = await list(behind);
      assert.equal(fallback.via, 'stomp');
      assert.deepEqual(
        fallback.letters.map((l) => l.messageId),
        ['src:1', 'src:2', 'src:3'],
      );
      assert.match(fallback.stderr, new RegExp(`without a STOMP listener on port ${proxy.port}`));
      assert.match(fallback.stderr, /--management-url.*--browse stomp/);
      // Named, the API is trusted (a load balancer may map ports).
      const trusted = await list(behind, '--management-url', 'http://127.0.0.1:15672');
      assert.equal(trusted.via, 'management');
      assert.deepEqual(trusted.letters, fallback.letters);
      // --browse stomp: the same without a notice.
      const quiet = await list(behind, '--browse', 'stomp');
      assert.equal(quiet.stderr, '');
    } finally {
      for (const s of proxy.sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    }
    const drop = await aes(['dlq', 'drop', '--all'], config);
    assert.equal(drop.status, 0, drop.stderr);
  },
);

const MANAGEMENT = 'http://127.0.0.1:15672/api';
const GUEST = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

/** Gets (and takes or rejects, per `ackmode`) up to 100 messages of a queue through the API. */
async function managementGet(queue: string, ackmode: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${MANAGEMENT}/queues/%2F/${encodeURIComponent(queue)}/get`, {
    method: 'POST',
    headers: { authorization: GUEST, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 100, ackmode, encoding: 'auto' }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>[];
}

test(
  "aes dlq on RabbitMQ's own dead letters (x-first-death-*): listed with their origin, replayed with their ids",
  { skip },
  async () => {
    await using dir = await tempDir();
    const tag = randomBytes(3).toString('hex');
    const source = `orders-${tag}`;
    const dlx = `dlx-${tag}`;
    // Every queue of this broker URL dead-letters to `dlx` through the default exchange.
    const url = `${RABBIT}&deadLetterExchange=&deadLetterRoutingKey=${dlx}`;
    const { config } = await project(dir.path, url);
    const transport = createTransport(url);
    await transport.connect();
    try {
      // Declared before anything is dead-lettered to it (RabbitMQ drops what has no queue).
      const sub = await transport.subscribe(`/queue/${dlx}`, () => Promise.resolve());
      await sub.unsubscribe();
      for (const n of [1, 2]) {
        await transport.publish(`/queue/${source}`, `rb ${n}`, { messageId: `rb:${n}` });
      }
    } finally {
      await transport.close();
    }
    // RabbitMQ dead-letters them itself: rejected without requeue.
    assert.equal((await managementGet(source, 'reject_requeue_false')).length, 2);

    const viaApi = await list(config, '--dlq', dlx, '--endpoint', 'nobody', '--queue', source);
    assert.deepEqual(viaApi.letters, [], 'no endpoint named them: --endpoint selects none');
    const all = await aes(['dlq', 'list', '--json', '--dlq', dlx, '--queue', source], config);
    assert.equal(all.status, 0, all.stderr);
    const json = JSON.parse(all.stdout) as {
      via: string;
      letters: { messageId: string; originalDestination: string; reason: string }[];
    };
    assert.equal(json.via, 'management');
    assert.deepEqual(
      json.letters.map((l) => [l.messageId, l.originalDestination, l.reason]).sort(),
      [
        ['rb:1', `/queue/${source}`, 'rejected'],
        ['rb:2', `/queue/${source}`, 'rejected'],
      ],
    );
    const viaStomp = await list(config, '--dlq', dlx, '--queue', source, '--browse', 'stomp');
    assert.deepEqual(
      viaStomp.letters,
      [...json.letters].sort((a, b) => a.messageId.localeCompare(b.messageId)),
    );

    const replayed = await aes(
      ['dlq', 'replay', '--dlq', dlx, '--queue', source, '--json'],
      config,
    );
    assert.equal(replayed.status, 0, replayed.stderr);
    // Back in their queue, ids kept; the dead-letter queue empty.
    const back = await managementGet(source, 'ack_requeue_false');
    assert.deepEqual(
      back
        .map(
          (m) => (m.properties as { headers: Record<string, unknown> }).headers['aes-message-id'],
        )
        .sort(),
      ['rb:1', 'rb:2'],
    );
    assert.deepEqual((await list(config, '--dlq', dlx, '--queue', source)).letters, []);
    const drop = await aes(['dlq', 'drop', '--all'], config);
    assert.equal(drop.status, 0, drop.stderr);
  },
);

test(
  'aes dlq on a quorum dead-letter queue: read through the management API again and again, nothing lost',
  { skip },
  async (t) => {
    await using dir = await tempDir();
    // Quorum queues count each return as a delivery (before RabbitMQ 4.3): without a delivery
    // limit that costs nothing, which is what docs/operations.md advises.
    const { config } = await project(dir.path, `${RABBIT}&queueType=quorum`);
    const counts: string[] = [];
    for (let read = 1; read <= 3; read++) {
      const viaApi = await list(config);
      assert.equal(viaApi.via, 'management');
      assert.deepEqual(
        viaApi.letters.map((l) => l.messageId),
        ['src:1', 'src:2', 'src:3'],
        `read ${read}`,
      );
      const shown = await aes(['dlq', 'show', 'src:1', '--json'], config);
      assert.equal(shown.status, 0, shown.stderr);
      const headers = (JSON.parse(shown.stdout) as { headers: Record<string, string> }).headers;
      counts.push(headers['x-delivery-count'] ?? '-');
    }
    // What this RabbitMQ counts, for the record: 1, 3, 5 on 3.10.8 (a list and a show a round,
    // each one delivery); from RabbitMQ 4.3 a nack with requeue should not count.
    t.diagnostic(`x-delivery-count of src:1 after each read: ${counts.join(', ')}`);
    const drop = await aes(['dlq', 'drop', '--all'], config);
    assert.equal(drop.status, 0, drop.stderr);
    assert.deepEqual((await list(config)).letters, []);
  },
);

test('aes dlq --browse management on the embedded broker: refused, naming why', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'project');
  await mkdir(join(root, 'endpoints', 'orders-in'), { recursive: true });
  await writeFile(join(root, 'endpoints', 'orders-in', 'index.ts'), 'export default null;\n');
  const config = join(root, 'aes.config.json');
  await writeFile(config, JSON.stringify({ node: 'n1', broker: { embedded: { port: 1 } } }));
  const r = await aes(['dlq', 'list', '--browse', 'management'], config);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /DLQ_NO_MANAGEMENT.*embedded broker has no management API/);
});
