/**
 * Record lineage across three real nodes (issue 21): node a runs the embedded broker and the
 * outbound endpoint on a SOAP source, node b the inbound endpoint on a SOAP target that refuses
 * one record, node c no endpoint at all. The refused record is put twice and dead-lettered; once
 * the target takes it again, `aes dlq replay` sends it back and it is delivered. Asked at node c,
 * `aes trace` (and the status page's `/trace.json`) follows that record from its FIFO through the
 * failing puts into the dead-letter queue and back by the replay, each step naming its node, in
 * time order. An unknown id is a clear error (exit 1, 404, 400 without an id), changing nothing;
 * with node b stopped, the trace names b as unreachable and exits 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { pollUntil } from '../support/wait.js';
import { makeProject, RunningNode } from './support/project.js';
import type { RecordTrace } from '../../runtime/node/index.js';

const SECRET = 'e2e-lineage-secret-0123456789';
const REFUSED = 'orders-out:2';

async function traceOver(http: string, id: string): Promise<{ status: number; body: unknown }> {
  // The CLI calls block this process (spawnSync) past the server's keep-alive: let the pool see
  // the closed sockets before it picks one.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const res = await fetch(`${http}/trace.json?id=${encodeURIComponent(id)}`, {
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.json() };
}

/** `node/endpoint step [try] [outcome]` of each step. */
function lines(trace: RecordTrace): string[] {
  return trace.steps.map((s) =>
    [`${s.node}/${s.endpoint}`, s.step, s.attempt ?? '', s.outcome ?? '']
      .filter((x) => x !== '')
      .join(' '),
  );
}

test('three nodes: a record followed through a failing target into the dead-letter queue and back by replay', async () => {
  const failing = new Set([REFUSED]);
  const source = await SourceSystem.start(makeRecords(3));
  const target = await TargetSystem.start({ alwaysFail: failing });
  const queue = `/queue/e2e-${randomUUID()}`;
  const env = { E2E_SOURCE_URL: source.url, E2E_TARGET_URL: target.url, E2E_QUEUE: queue };
  await using projectA = await makeProject({
    node: 'a',
    endpoints: { 'orders-out': 'orders-out.ts' },
    config: { cluster: { port: 0, secret: SECRET } },
  });
  await using a = await RunningNode.start('a', projectA, env);
  const seed = a.field('kernel listening', 'cluster').replace('tcp://', '');
  const broker = a.field('embedded broker listening', 'url');
  await using projectB = await makeProject({
    node: 'b',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      cluster: { port: 0, secret: SECRET, seeds: [seed] },
      broker: { urls: [broker] },
      endpoints: { defaults: { maxDeliveries: 2 } },
    },
  });
  await using projectC = await makeProject({
    node: 'c',
    endpoints: {},
    config: { cluster: { port: 0, secret: SECRET, seeds: [seed] }, broker: { urls: [broker] } },
  });
  await mkdir(join(projectC.dir, 'endpoints'), { recursive: true });
  try {
    await using b = await RunningNode.start('b', projectB, env);
    await using c = await RunningNode.start('c', projectC, env);
    const http = c.field('http listening', 'url');

    // Records 1 and 3 go through; 2 is refused twice and dead-lettered.
    await pollUntil('records 1 and 3 at the target', () => target.accepted.length === 2, 120_000);
    const deadLettered = async () => {
      const { status, body } = await traceOver(http, REFUSED);
      return status === 200 && lines(body as RecordTrace).some((l) => l.includes('dead-lettered'));
    };
    await pollUntil(`${REFUSED} dead-lettered, traced from node c`, deadLettered, 120_000);

    // The target takes it again; replayed from node b's side, it is delivered once.
    failing.delete(REFUSED);
    const replayed = b.cli(['dlq', 'replay', REFUSED, '--json']);
    assert.equal(replayed.status, 0, replayed.stderr);
    await pollUntil(`${REFUSED} at the target`, () => target.accepted.length === 3, 120_000);
    const delivered = async () => {
      const { body } = await traceOver(http, REFUSED);
      return lines(body as RecordTrace).filter((l) => l === 'b/orders-in delivered').length === 1;
    };
    await pollUntil(`${REFUSED} delivered after its replay, traced`, delivered, 60_000);

    // The whole path, asked at node c, which has no step of it: every step, its node, in order.
    const cli = c.cli(['trace', REFUSED, '--json']);
    assert.equal(cli.status, 0, cli.stderr);
    const trace = JSON.parse(cli.stdout) as RecordTrace;
    assert.deepEqual(trace.nodes, ['a', 'b', 'c']);
    assert.deepEqual(trace.unreachable, []);
    const path = lines(trace);
    assert.deepEqual(
      path.filter((l) => l.startsWith('a/')),
      [
        'a/orders-out popped',
        'a/orders-out published 1',
        'a/orders-out confirmed',
        'a/orders-out marked-popped ok',
      ],
    );
    assert.deepEqual(
      path.filter((l) => l.startsWith('b/')),
      [
        'b/orders-in received 1',
        'b/orders-in put 1 failed',
        'b/orders-in received 2',
        'b/orders-in put 2 failed',
        'b/orders-in dead-lettered',
        'b/orders-in replayed',
        'b/orders-in received 1',
        'b/orders-in put 1 ok',
        'b/orders-in delivered',
      ],
    );
    const times = trace.steps.map((s) => s.atMs);
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
      'merged by time',
    );
    const at = (line: string) => path.indexOf(line);
    assert.ok(at('a/orders-out confirmed') < at('b/orders-in put 1 failed'));
    assert.ok(at('b/orders-in dead-lettered') < at('b/orders-in replayed'));
    assert.ok(trace.steps.every((s) => s.messageId === REFUSED && s.fifoId === '2'));
    const dead = trace.steps.find((s) => s.step === 'dead-lettered');
    assert.match(dead?.detail ?? '', /dead-letter\.orders-in: put failed 2 times/);

    // The table for people, and the same record by its FIFO id.
    const table = c.cli(['trace', REFUSED]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^orders-out:2: 13 steps \(nodes asked: a, b, c\)$/m);
    assert.match(table.stdout, /\bb\s+orders-in\s+dead-lettered\b/);
    const byFifo = c.cli(['trace', '2', '--json']);
    assert.equal(byFifo.status, 0, byFifo.stderr);
    assert.deepEqual(lines(JSON.parse(byFifo.stdout) as RecordTrace), path);

    // The status page's search box asks the same.
    const page = await (await fetch(`${http}/`)).text();
    assert.match(page, /id="trace-form"/);
    const overHttp = await traceOver(http, REFUSED);
    assert.equal(overHttp.status, 200);
    assert.deepEqual(lines(overHttp.body as RecordTrace), path);

    // Bad input: a clear message, non-zero exit or 4xx, nothing changed.
    const unknown = c.cli(['trace', 'nope:1']);
    assert.equal(unknown.status, 1);
    assert.match(
      unknown.stderr,
      /RUNTIME_NOT_FOUND.*no record 'nope:1' in the lineage of any node/,
    );
    const unknownJson = c.cli(['trace', 'nope:1', '--json']);
    assert.equal(unknownJson.status, 1);
    assert.equal(
      (JSON.parse(unknownJson.stdout) as { error: { code: string } }).error.code,
      'RUNTIME_NOT_FOUND',
    );
    const unknownHttp = await traceOver(http, 'nope:1');
    assert.equal(unknownHttp.status, 404);
    assert.match(String((unknownHttp.body as { error: string }).error), /no record 'nope:1'/);
    assert.equal((await traceOver(http, '')).status, 400);
    assert.equal(target.accepted.length, 3, 'nothing changed');

    // Node b gone: its steps are missing and the trace says so.
    assert.equal(await b.stop(), 0);
    await pollUntil(
      'node c seeing b gone',
      async () => {
        const { body } = await traceOver(http, REFUSED);
        return (body as RecordTrace).unreachable.some((u) => u.node === 'b');
      },
      60_000,
    );
    const partial = c.cli(['trace', REFUSED]);
    assert.equal(partial.status, 1, partial.stderr);
    assert.match(partial.stdout, /^unreachable: b \(.+\): its steps are missing$/m);
    assert.match(partial.stdout, /orders-out\s+popped/);
    assert.doesNotMatch(partial.stdout, /orders-in/);
  } finally {
    await source.close();
    await target.close();
  }
});
