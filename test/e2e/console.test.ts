/**
 * The status page's live console on a real node (`aes run`, embedded broker, orders-out →
 * queue → orders-in), read in headless Chromium:
 * - the rate charts carry the data they draw, which is `/console.json`'s history, and adds up to
 *   what the source handed out and the target accepted;
 * - an endpoint process killed with SIGKILL: its counters go on from where they were (the node
 *   adds the new process's counters), and its crash is the last error until it delivers again;
 * - a target that refuses for a while: the last error names the refusal, then "recovered at";
 * - with the inbound endpoint stopped, the queue's ready / unacked / dead-letter depths on the
 *   page are those of `/console.json`, of the broker's own gauges and of `/dead-letters.json`.
 * A screenshot of the page is kept in test-artifacts/console.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { binarySkipReason, CHROMIUM_BIN } from '../support/binaries.js';
import { maybeSample } from '../observability/support.js';
import { makeProject, RunningNode } from './support/project.js';
import { postJson } from './support/http-post.js';
import { waitDelivered } from './support/pipeline.js';
import { openChromium } from './support/chromium.js';
import type { ConsoleEndpoint, ConsoleSnapshot } from '../../runtime/node/console.js';
import type { DestinationDepth } from '../../runtime/node/broker-depths.js';
import type { DeadLetterSummary } from '../../runtime/node/dead-letter-summary.js';

const SECRET = 'e2e-console-secret-0123456789';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const DLQ = '/queue/dead-letter.orders-in';
const WAIT_MS = 90_000;
/** Enough for the page to show a refusal before the refused records are dead letters. */
const MAX_DELIVERIES = 60;

/** Polls `check` every 250 ms until it holds; fails after `timeoutMs` with `describe()`. */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `${url}: ${text}`);
  return JSON.parse(text) as T;
}

function endpointOf(snapshot: ConsoleSnapshot, name: string): ConsoleEndpoint {
  const found = snapshot.endpoints.find((e) => e.name === name);
  assert.ok(found !== undefined, `${name} in ${JSON.stringify(snapshot.endpoints)}`);
  return found;
}

function destinationOf(snapshot: ConsoleSnapshot, name: string): DestinationDepth | undefined {
  return snapshot.broker.kind === 'embedded'
    ? snapshot.broker.destinations.find((d) => d.destination === name)
    : undefined;
}

function done(e: ConsoleEndpoint): number {
  return e.totals.completed + e.totals.delivered;
}

/** The chart of `endpoint` as drawn: its data attribute and its polyline's points. */
async function chartOf(page: Page, endpoint: string) {
  const svg = page.locator(`section.console-endpoint[data-endpoint="${endpoint}"] svg.rate`);
  const samples = JSON.parse((await svg.getAttribute('data-samples')) ?? 'null') as [
    number,
    number,
    number,
  ][];
  const bucketMs = Number(await svg.getAttribute('data-bucket-ms'));
  const max = Number(await svg.getAttribute('data-max'));
  const points = ((await svg.locator('polyline.done').getAttribute('points')) ?? '')
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number) as [number, number]);
  return { samples, bucketMs, max, points };
}

test('the live console: charts, counters over restarts, last error, queue depths', async (t) => {
  const skip = binarySkipReason(CHROMIUM_BIN, 'chromium');
  if (skip !== undefined) {
    t.skip(skip);
    return;
  }
  const refusing = new Set<string>();
  const source = await SourceSystem.start(makeRecords(20));
  const target = await TargetSystem.start({ alwaysFail: refusing });
  const queue = `/queue/e2e-${randomUUID()}`;
  await using project = await makeProject({
    node: 'solo',
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
    config: {
      cluster: { port: 0, secret: SECRET },
      endpoints: { defaults: { maxDeliveries: MAX_DELIVERIES } },
    },
  });
  try {
    await using node = await RunningNode.start('solo', project, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: queue,
    });
    const http = node.field('http listening', 'url');
    const snapshot = () => getJson<ConsoleSnapshot>(`${http}/console.json`);
    let last: ConsoleSnapshot | undefined;
    const consoleShows = (what: string, check: (s: ConsoleSnapshot) => boolean) =>
      until(
        what,
        async () => check((last = await snapshot())),
        () =>
          `console.json: ${JSON.stringify(last?.endpoints.map((e) => ({ ...e, history: '…' })))}`,
      );
    const accepted = () => target.accepted.length;

    await waitDelivered(source, target, 20);
    await consoleShows('20 records done by both endpoints', (s) => {
      return done(endpointOf(s, 'orders-out')) === 20 && done(endpointOf(s, 'orders-in')) === 20;
    });

    await using chromium = await openChromium();
    const page = await chromium.browser.newPage();
    const scripts: string[] = [];
    page.on('pageerror', (err) => scripts.push(err.message));
    await page.goto(`${http}/`);
    const box = (endpoint: string) =>
      page.locator(`section.console-endpoint[data-endpoint="${endpoint}"]`);
    await box('orders-in')
      .locator('dd.done-total', { hasText: /^20$/ })
      .waitFor({ timeout: WAIT_MS });
    // The members of the cluster, this node among them, with their state.
    await page.locator('#members tr[data-member="solo"] td.up').waitFor({ timeout: WAIT_MS });
    assert.deepEqual(
      (await snapshot()).members.map((m) => [m.name, m.connected, m.self]),
      [['solo', true, true]],
    );

    // Killed: a new process, and the counters go on from 20.
    const killed = endpointOf(await snapshot(), 'orders-in');
    assert.ok(killed.pid !== null);
    process.kill(killed.pid, 'SIGKILL');
    await consoleShows('a new orders-in process', (s) => {
      const e = endpointOf(s, 'orders-in');
      return e.state === 'running' && e.pid !== null && e.pid !== killed.pid;
    });
    await box('orders-in')
      .locator('dd.last-error.failing', { hasText: 'killed by SIGKILL' })
      .waitFor({ timeout: WAIT_MS });
    source.records.push(...makeRecords(10, 21));
    await waitDelivered(source, target, 30);
    await consoleShows('30 delivered over two processes, recovered', (s) => {
      const e = endpointOf(s, 'orders-in');
      return done(e) === 30 && e.processes === 2 && e.lastError?.recoveredAt != null;
    });
    assert.equal(done(endpointOf(last as ConsoleSnapshot, 'orders-in')), accepted());
    await box('orders-in')
      .locator('dd.done-total', { hasText: /^30$/ })
      .waitFor({ timeout: WAIT_MS });
    await box('orders-in')
      .locator('dd.last-error.recovered', { hasText: /recovered at .*killed by SIGKILL/ })
      .waitFor({ timeout: WAIT_MS });
    // The endpoints table (as `aes status`) no longer shows an error it recovered from.
    const inRow = page.locator('#endpoints tr[data-endpoint="orders-in"]');
    await inRow.locator('td.error', { hasText: /^-$/ }).waitFor({ timeout: WAIT_MS });

    // The target refuses one record for good (a dead letter after MAX_DELIVERIES) and three for
    // a while: the last error says so until the endpoint delivers again.
    for (const id of [31, 32, 33, 34]) refusing.add(`orders-out:${id}`);
    source.records.push(...makeRecords(4, 31));
    await box('orders-in')
      .locator('dd.last-error.failing', { hasText: 'target refused orders-out:3' })
      .waitFor({ timeout: WAIT_MS });
    await inRow
      .locator('td.error', { hasText: 'target refused orders-out:3' })
      .waitFor({ timeout: WAIT_MS });
    const failing = endpointOf(await snapshot(), 'orders-in');
    assert.match(failing.lastError?.message ?? '', /target refused orders-out:3[1-4]/);
    assert.equal(failing.lastError?.recoveredAt, null);
    assert.ok(failing.totals.errors > 0);
    for (const id of [32, 33, 34]) refusing.delete(`orders-out:${id}`);
    await until(
      'a dead letter and the three accepted',
      async () =>
        accepted() === 33 &&
        (await getJson<DeadLetterSummary>(`${http}/dead-letters.json`)).endpoints[0]?.count === 1,
      () => `${accepted()} accepted; ${node.tail(10)}`,
    );
    source.records.push(...makeRecords(6, 35));
    await until(
      'every record but the dead letter accepted',
      () => accepted() === 39,
      () => `${accepted()} accepted`,
    );
    await consoleShows('39 delivered', (s) => done(endpointOf(s, 'orders-in')) === 39);
    await box('orders-in')
      .locator('dd.last-error.recovered', { hasText: /recovered at .*target refused/ })
      .waitFor({ timeout: WAIT_MS });
    await inRow.locator('td.error', { hasText: /^-$/ }).waitFor({ timeout: WAIT_MS });
    const recovered = endpointOf(await snapshot(), 'orders-in');
    assert.ok(recovered.lastError?.recoveredAt != null);
    assert.ok(Date.parse(recovered.lastError.recoveredAt) >= Date.parse(recovered.lastError.at));
    assert.notEqual(await box('orders-in').locator('dd.error-rate').textContent(), '-');

    // Depths: with orders-in stopped, five records wait in the queue.
    assert.equal((await postJson(`${http}/api/endpoints/orders-in/stop`, SECRET)).status, 200);
    await consoleShows('orders-in stopped', (s) => endpointOf(s, 'orders-in').state === 'stopped');
    source.records.push(...makeRecords(5, 41));
    await consoleShows('5 ready in the queue', (s) => destinationOf(s, queue)?.ready === 5);
    const row = page.locator(`#console-queues tr[data-destination="${queue}"]`);
    await row.locator('td.ready', { hasText: /^5$/ }).waitFor({ timeout: WAIT_MS });
    const depths = destinationOf(await snapshot(), queue);
    assert.deepEqual(depths, {
      destination: queue,
      ready: 5,
      unacked: 0,
      consumers: 0,
      deadLetter: { queues: [DLQ], depth: 1 },
      deadLetterOf: [],
    });
    assert.equal(await row.locator('td.unacked').textContent(), '0');
    assert.equal(await row.locator('td.consumers').textContent(), '0');
    assert.equal(await row.locator('td.dead-letter').textContent(), '1');
    const dlqRow = page.locator(`#console-queues tr[data-destination="${DLQ}"]`);
    assert.equal(await dlqRow.locator('td.ready').textContent(), '1');
    assert.match(
      (await dlqRow.locator('td.note').textContent()) ?? '',
      /dead letters of orders-in/,
    );
    // The broker's own numbers: its gauges, and a browse of the dead-letter queue.
    const metrics = await (await fetch(`${http}/metrics`)).text();
    assert.equal(maybeSample(metrics, `aes_broker_queue_depth{queue="${queue}"}`), 5);
    assert.equal(maybeSample(metrics, `aes_broker_queue_unacked{queue="${queue}"}`), 0);
    assert.equal(maybeSample(metrics, `aes_broker_queue_depth{queue="${DLQ}"}`), 1);
    const letters = await getJson<DeadLetterSummary>(`${http}/dead-letters.json`);
    assert.equal(letters.endpoints[0]?.count, 1);

    // The charts: what is drawn is /console.json's history, and adds up to the outside world's.
    await box('orders-out').locator('dd.done-total', { hasText: /^45$/ }).waitFor({
      timeout: WAIT_MS,
    });
    const now = await snapshot();
    for (const [endpoint, total] of [
      ['orders-out', source.records.length],
      ['orders-in', accepted()],
    ] as const) {
      const chart = await chartOf(page, endpoint);
      const history = endpointOf(now, endpoint).history;
      assert.equal(chart.bucketMs, history.bucketMs);
      assert.equal(chart.samples.length, history.samples.length);
      assert.equal(chart.points.length, chart.samples.length, 'a point per bucket');
      const served = new Map(history.samples.map((s) => [s.atMs, [s.done, s.errors]]));
      const common = chart.samples.filter(([at]) => served.has(at));
      assert.ok(common.length >= chart.samples.length - 2, 'the page shows the latest history');
      for (const [at, d, e] of common) assert.deepEqual([d, e], served.get(at), `bucket ${at}`);
      const drawnDone = chart.samples.reduce((n, [, d]) => n + d, 0);
      assert.equal(drawnDone, total, `${endpoint}: records done in the chart`);
      // The busiest bucket is drawn at the top of the chart's scale.
      const busiest = Math.max(...chart.samples.map(([, d]) => d));
      const index = chart.samples.findIndex(([, d]) => d === busiest);
      const y = chart.points[index]?.[1] ?? NaN;
      const perSecond = busiest / (chart.bucketMs / 1000);
      assert.ok(Math.abs(y - (60 - (perSecond / chart.max) * 50)) < 0.2, `y ${y}`);
    }
    const inChart = await chartOf(page, 'orders-in');
    assert.equal(
      inChart.samples.reduce((n, [, , e]) => n + e, 0),
      endpointOf(now, 'orders-in').totals.errors,
      'every refusal is in the error line',
    );
    assert.ok(endpointOf(now, 'orders-in').totals.errors >= MAX_DELIVERIES);

    await mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'console.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`console screenshot: ${shot}`);
    assert.deepEqual(scripts, [], 'no script errors on the page');

    // Started again, orders-in takes the five.
    assert.equal((await postJson(`${http}/api/endpoints/orders-in/start`, SECRET)).status, 200);
    await until(
      '44 accepted',
      () => accepted() === 44,
      () => `${accepted()} accepted`,
    );
  } finally {
    await source.close();
    await target.close();
  }
});
