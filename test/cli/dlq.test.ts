/**
 * `aes dlq` against a real embedded broker and the machine's RabbitMQ, as real CLI processes: a failing inbound endpoint
 * dead-letters records (with the headers runtime/endpoint/dead-letter.ts sets), then the CLI
 * lists them (with filters), shows one, refuses bad input without changing anything, drops, and
 * replays — ids kept, so the endpoint delivers the replayed records and drops by de-duplication a
 * copy it had delivered before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBroker } from '../../broker/index.js';
import { createTransport, type Destination } from '../../transports/index.js';
import { runCliAsync, type CliRun } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { serviceSkipReason } from '../support/services.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import { SoapInbound, targetClient } from '../runtime/support/soap-endpoints.js';
import { tempDir, waitFor } from '../runtime/support/helpers.js';

const RABBIT = 'stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=600000';

/** Runs `aes` asynchronously: the broker lives in this process and must keep answering. */
function aes(args: readonly string[], config: string): Promise<CliRun> {
  return runCliAsync([...args, '-c', config]);
}

interface ListedLetter {
  readonly messageId: string;
  readonly originalDestination: string | null;
  readonly endpoint: string | null;
  readonly reason: string | null;
  readonly deliveryCount: number | null;
  readonly deadLetteredAt: string | null;
}

async function listed(config: string, ...filters: string[]): Promise<string[]> {
  const r = await aes(['dlq', 'list', '--json', ...filters], config);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { letters: ListedLetter[] };
  return json.letters.map((l) => l.messageId).sort();
}

async function scenario(on: 'embedded' | 'rabbitmq'): Promise<void> {
  await using dir = await tempDir();
  const port = await freePort();
  const broker =
    on === 'embedded' ? await startBroker({ port, dataDir: join(dir.path, 'broker') }) : undefined;
  // On the shared RabbitMQ, names of this run's own (queues expire 10 minutes after their last use).
  const suffix = on === 'embedded' ? '' : `-${randomBytes(3).toString('hex')}`;
  const name = `orders-in${suffix}`;
  const source: Destination = `/queue/orders${suffix}`;
  const project = join(dir.path, 'project');
  await mkdir(join(project, 'endpoints', name), { recursive: true });
  // Found by name only; `aes dlq` never loads it.
  await writeFile(join(project, 'endpoints', name, 'index.ts'), 'export default null;\n');
  const config = join(project, 'aes.config.json');
  const brokerConfig = broker === undefined ? { urls: [RABBIT] } : { embedded: { port } };
  await writeFile(config, JSON.stringify({ node: 'n1', broker: brokerConfig }));
  const failing = new Set(['src:2', 'src:3']);
  const target = await TargetSystem.start({ alwaysFail: failing });
  const transport = createTransport(broker?.url ?? RABBIT);
  const dlq: Destination = `/queue/dead-letter.${name}`;
  try {
    await transport.connect();
    const endpoint = new SoapInbound(
      {
        name,
        transport,
        dataDir: join(dir.path, 'in'),
        source,
        maxDeliveries: 2,
        nackDelay: { initialMs: 10, maxMs: 10 },
        callTimeoutMs: 10_000,
      },
      await targetClient(target.url),
    );
    await endpoint.start();
    try {
      for (const n of [1, 2, 3]) {
        await transport.publish(source, JSON.stringify({ n }), { messageId: `src:${n}` });
      }
      await waitFor('two dead letters', () => endpoint.snapshot().counters.deadLettered === 2);
      assert.deepEqual(
        target.accepted.map((a) => a.messageId),
        ['src:1'],
      );
      // A copy of src:1, already delivered, dead-lettered two hours ago (say by an older node).
      await transport.publish(dlq, JSON.stringify({ n: 1 }), {
        messageId: 'src:1',
        headers: {
          'aes-dead-letter-reason': 'target timed out',
          'aes-dead-letter-endpoint': name,
          'aes-dead-letter-from': source,
          'aes-dead-letter-at': new Date(Date.now() - 2 * 3_600_000).toISOString(),
          'aes-delivery-count': '5',
        },
      });
      // A dead letter that does not say where it came from.
      await transport.publish(dlq, 'lost', {
        messageId: 'lost:1',
        headers: {
          'aes-dead-letter-endpoint': name,
          'aes-dead-letter-at': new Date().toISOString(),
        },
      });

      // list, its fields and filters
      const all = await aes(['dlq', 'list', '--json'], config);
      assert.equal(all.status, 0, all.stderr);
      const letters = (JSON.parse(all.stdout) as { queues: string[]; letters: ListedLetter[] })
        .letters;
      assert.deepEqual(letters.map((l) => l.messageId).sort(), [
        'lost:1',
        'src:1',
        'src:2',
        'src:3',
      ]);
      const two = letters.find((l) => l.messageId === 'src:2');
      assert.equal(two?.originalDestination, source);
      assert.equal(two?.endpoint, name);
      assert.equal(two?.deliveryCount, 2);
      assert.match(two?.reason ?? '', /refused src:2/);
      assert.ok(Date.now() - Date.parse(two?.deadLetteredAt ?? '') < 600_000);
      assert.deepEqual(await listed(config, '--older-than', '1h'), ['src:1']);
      assert.deepEqual(await listed(config, '--newer-than', '1h'), ['lost:1', 'src:2', 'src:3']);
      assert.deepEqual(await listed(config, '--queue', source.slice('/queue/'.length)), [
        'src:1',
        'src:2',
        'src:3',
      ]);
      assert.deepEqual(await listed(config, '--endpoint', 'other'), []);
      const text = await aes(['dlq', 'list'], config);
      assert.equal(text.status, 0, text.stderr);
      assert.ok(text.stdout.includes(`${dlq}: 4 dead letters`), text.stdout);

      // show
      const shown = await aes(['dlq', 'show', 'src:2', '--json'], config);
      assert.equal(shown.status, 0, shown.stderr);
      const letter = JSON.parse(shown.stdout) as { headers: Record<string, string>; body: string };
      assert.equal(letter.headers['aes-message-id'], 'src:2');
      assert.deepEqual(JSON.parse(letter.body), { n: 2 });
      const shownText = await aes(['dlq', 'show', 'src:3'], config);
      assert.ok(shownText.stdout.includes(`aes-dead-letter-from: ${source}`), shownText.stdout);

      // bad input: a clear message, non-zero exit, nothing changed
      const unknown = await aes(['dlq', 'show', 'nope:9'], config);
      assert.notEqual(unknown.status, 0);
      assert.match(unknown.stderr, /DLQ_NOT_FOUND.*'nope:9'/);
      const unfiltered = await aes(['dlq', 'drop'], config);
      assert.notEqual(unfiltered.status, 0);
      assert.match(unfiltered.stderr, /DLQ_NO_SELECTION.*--all/);
      const noOrigin = await aes(['dlq', 'replay', 'lost:1', 'src:2'], config);
      assert.notEqual(noOrigin.status, 0);
      assert.match(noOrigin.stderr, /DLQ_NO_ORIGIN.*'lost:1'/);
      const unknownDrop = await aes(['dlq', 'drop', 'nope:9', 'lost:1'], config);
      assert.notEqual(unknownDrop.status, 0);
      assert.match(unknownDrop.stderr, /'nope:9'/);
      const badAge = await aes(['dlq', 'list', '--older-than', 'soon'], config);
      assert.notEqual(badAge.status, 0);
      assert.match(badAge.stderr, /--older-than: 'soon' is not a duration/);
      assert.deepEqual(await listed(config), ['lost:1', 'src:1', 'src:2', 'src:3']);
      assert.equal(target.accepted.length, 1);

      // drop
      const dropped = await aes(['dlq', 'drop', 'lost:1', '--json'], config);
      assert.equal(dropped.status, 0, dropped.stderr);
      assert.deepEqual(JSON.parse(dropped.stdout), { dropped: ['lost:1'] });
      assert.deepEqual(await listed(config), ['src:1', 'src:2', 'src:3']);

      // replay: ids kept; the endpoint delivers src:2 and src:3 and drops the copy of src:1
      failing.clear();
      const replayed = await aes(['dlq', 'replay', '--queue', source, '--json'], config);
      assert.equal(replayed.status, 0, replayed.stderr);
      const result = JSON.parse(replayed.stdout) as {
        replayed: { messageId: string; destination: string }[];
      };
      assert.deepEqual(result.replayed.map((r) => r.messageId).sort(), ['src:1', 'src:2', 'src:3']);
      assert.ok(result.replayed.every((r) => r.destination === source));
      await waitFor('the replayed records delivered', () => target.accepted.length === 3);
      await waitFor(
        'the copy of src:1 dropped',
        () => endpoint.snapshot().counters.deduplicated === 1,
      );
      assert.deepEqual(target.accepted.map((a) => a.messageId).sort(), ['src:1', 'src:2', 'src:3']);
      assert.deepEqual(await listed(config), []);
    } finally {
      await endpoint.stop();
    }
  } finally {
    await transport.close();
    await target.close();
    await broker?.close();
  }
}

test('aes dlq: list, show, drop and replay dead letters of the embedded broker', () =>
  scenario('embedded'));

test(
  'aes dlq: the same on RabbitMQ (list and show through its management API where it has one, replay and drop over STOMP)',
  { skip: await serviceSkipReason('RabbitMQ STOMP', '127.0.0.1', 61613) },
  () => scenario('rabbitmq'),
);
