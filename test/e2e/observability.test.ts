/**
 * Observability end to end, on a three-node cluster moving records (node a: embedded broker and
 * the outbound endpoint; node b: the inbound endpoint; node c: no endpoints):
 * - every node's `/metrics` passes `promtool check metrics`;
 * - every metric docs/grafana/aes.json queries exists in node a's live `/metrics`;
 * - a real Prometheus with the shipped scrape config, discovering through node a's
 *   `/sd/prometheus`, sees every node `up` and a record counter grow;
 * - the status page in headless Chromium shows the cluster, its restart button restarts an
 *   endpoint, and a request without the token is refused (a screenshot is saved).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { binarySkipReason, CHROMIUM_BIN, PROMETHEUS_BIN } from '../support/binaries.js';
import { assertPromtoolClean, promtoolSkipReason } from '../observability/promtool.js';
import { families, maybeSample, sample } from '../observability/support.js';
import { makeProject, RunningNode } from './support/project.js';
import { waitDelivered } from './support/pipeline.js';
import { openChromium } from './support/chromium.js';
import { Prometheus } from './support/prometheus.js';
import { pollWhileProgressing } from '../support/wait.js';

const SECRET = 'e2e-observability-secret-0123456789';
const DASHBOARD = new URL('../../docs/grafana/aes.json', import.meta.url);
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

async function metricsOf(node: RunningNode): Promise<string> {
  const res = await fetch(`${node.field('http listening', 'url')}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** Polls `check` every 250 ms until it holds. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Metric names a dashboard query uses (identifiers followed by a selector). */
function queriedMetrics(dashboard: string): Set<string> {
  const out = new Set<string>();
  for (const m of dashboard.matchAll(/"expr":\s*"((?:[^"\\]|\\.)*)"/g)) {
    const expr = JSON.parse(`"${m[1] ?? ''}"`) as string;
    for (const n of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{)/g)) {
      if (n[1] !== undefined) out.add(n[1]);
    }
  }
  return out;
}

/** A dashboard name as its family: histogram series end in `_bucket`, `_sum`, `_count`. */
function familyOf(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

test('three nodes moving records: promtool, dashboard metrics, Prometheus, status page', async (t) => {
  const source = await SourceSystem.start(makeRecords(20));
  const target = await TargetSystem.start();
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
    config: { cluster: { port: 0, secret: SECRET, seeds: [seed] }, broker: { urls: [broker] } },
  });
  await using projectC = await makeProject({
    node: 'c',
    endpoints: {},
    config: { cluster: { port: 0, secret: SECRET, seeds: [seed] }, broker: { urls: [broker] } },
  });
  await using b = await RunningNode.start('b', projectB, env);
  await using c = await RunningNode.start('c', projectC, env);
  const nodes = [a, b, c];
  try {
    await waitDelivered(source, target, 20);
    // The endpoints' metrics travel with their next report (every 5 s).
    await pollWhileProgressing(
      "orders-out's 20 completed records in node a's /metrics",
      async () =>
        maybeSample(
          await metricsOf(a),
          'aes_endpoint_events_total{endpoint="orders-out",event="completed"}',
        ) ?? null,
      (completed) => completed === 20,
      {
        stallMs: 60_000,
        intervalMs: 250,
        describe: (completed) => `${String(completed)} completed; node a's log:\n${a.tail(20)}`,
      },
    );

    await t.test('every node discovers all three through /sd/prometheus', async () => {
      for (const node of nodes) {
        const url = `${node.field('http listening', 'url')}/sd/prometheus`;
        const groups = (await (await fetch(url)).json()) as { labels: { node: string } }[];
        assert.deepEqual(
          groups.map((g) => g.labels.node),
          ['a', 'b', 'c'],
          `${node.name}'s discovery`,
        );
      }
    });

    await t.test('/metrics of every node passes promtool check metrics', async (st) => {
      const skip = promtoolSkipReason();
      if (skip !== false) return st.skip(skip);
      for (const node of nodes) assertPromtoolClean(await metricsOf(node));
    });

    await t.test('every metric the Grafana dashboard queries is in a live /metrics', async () => {
      const text = await metricsOf(a);
      const exposed = families(text);
      const queried = [...queriedMetrics(await readFile(DASHBOARD, 'utf8'))]
        .filter((name) => name !== 'up') // Prometheus' own series
        .map(familyOf);
      assert.ok(queried.length > 20, `the dashboard queries ${queried.length} metrics`);
      const missing = queried.filter((name) => !exposed.has(name));
      assert.deepEqual(missing, [], 'queried by the dashboard but not exposed by node a');
      // The ones records move have samples, not only their family lines.
      for (const series of [
        'aes_endpoint_call_duration_seconds_bucket{',
        'aes_transport_confirm_duration_seconds_count{',
        'aes_broker_enqueued_total{',
        'aes_endpoint_state{endpoint="orders-out",state="running"} 1',
      ]) {
        assert.ok(text.includes(series), `node a exposes ${series}`);
      }
    });

    await t.test('a real Prometheus sees every node up and a record counter grow', async (st) => {
      const skip = binarySkipReason(PROMETHEUS_BIN, 'prometheus');
      if (skip !== undefined) return st.skip(skip);
      await using prometheus = await Prometheus.start(
        `${a.field('http listening', 'url')}/sd/prometheus`,
      );
      await prometheus.waitFor('scraping all three nodes up', async () => {
        const up = await prometheus.query('up{job="aes"}');
        return up.length === 3 && up.every((s) => s.value === 1);
      });
      const up = await prometheus.query('up{job="aes"}');
      assert.deepEqual(up.map((s) => s.metric['node']).sort(), ['a', 'b', 'c']);
      const completed = 'aes_endpoint_events_total{endpoint="orders-out",event="completed"}';
      let before = 0;
      await prometheus.waitFor('orders-out completed seen', async () => {
        before = (await prometheus.query(completed))[0]?.value ?? 0;
        return before >= 20;
      });
      source.records.push(...makeRecords(10, 21));
      await prometheus.waitFor('the counter grown', async () => {
        const now = (await prometheus.query(completed))[0]?.value ?? 0;
        return now >= before + 10;
      });
      // Node b's endpoint reports on its own timer: its count follows.
      await prometheus.waitFor('node b delivered what node a popped', async () => {
        const delivered = await prometheus.query(
          'aes_endpoint_events_total{endpoint="orders-in",event="delivered",node="b"}',
        );
        return (delivered[0]?.value ?? 0) >= 30;
      });
    });

    await t.test('the status page shows the cluster and restarts an endpoint', async (st) => {
      const skip = binarySkipReason(CHROMIUM_BIN, 'chromium');
      if (skip !== undefined) return st.skip(skip);
      await statusPage(a, b);
    });
  } finally {
    await source.close();
    await target.close();
  }
});

interface EndpointRow {
  readonly pid: string;
  readonly restarts: string;
  readonly state: string;
}

async function statusPage(a: RunningNode, b: RunningNode): Promise<void> {
  await using chromium = await openChromium();
  const page = await chromium.browser.newPage();
  const scripts: string[] = [];
  page.on('pageerror', (err) => scripts.push(err.message));
  // Node b's page: the cluster is every node's, and the endpoint to restart runs on node a.
  await page.goto(`${b.field('http listening', 'url')}/`);
  const row = page.locator('tr[data-endpoint="orders-out"]');
  await row.locator('td.state', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  const memberRows = page.locator('#members tr');
  const members: (string | null)[] = [];
  for (let i = 0; i < (await memberRows.count()); i++) {
    members.push(await memberRows.nth(i).getAttribute('data-member'));
  }
  assert.deepEqual(members, ['b', 'a', 'c']);
  assert.equal(await page.locator('tr[data-endpoint="orders-in"] td.node').textContent(), 'b');
  const read = async (): Promise<EndpointRow> => ({
    pid: (await row.locator('td.pid').textContent()) ?? '',
    restarts: (await row.locator('td.restarts').textContent()) ?? '',
    state: (await row.locator('td.state').textContent()) ?? '',
  });
  const before = await read();
  const restartsBefore = sample(
    await metricsOf(a),
    'aes_endpoint_restarts_total{endpoint="orders-out"}',
  );

  // Without the token: refused, and nothing changes.
  await row.locator('button[data-action="restart"]').click();
  await page.locator('#message', { hasText: 'refused (401)' }).waitFor({ timeout: 10_000 });
  await page.locator('#token').fill('not-the-secret');
  await page.locator('#token').dispatchEvent('change');
  await row.locator('button[data-action="restart"]').click();
  await page.locator('#message', { hasText: 'refused (403)' }).waitFor({ timeout: 10_000 });
  const unchanged = JSON.parse(a.cli(['status', '--json']).stdout) as {
    nodes: { node: string; endpoints?: { name: string; pid: number; restarts: number }[] }[];
  };
  const outNow = unchanged.nodes.find((n) => n.node === 'a')?.endpoints?.[0];
  assert.equal(String(outNow?.pid), before.pid, 'a refused restart changed nothing');
  assert.equal(String(outNow?.restarts), before.restarts);

  // With the node's token (the cluster secret): node a restarts its endpoint.
  await page.locator('#token').fill(SECRET);
  await page.locator('#token').dispatchEvent('change');
  await row.locator('button[data-action="restart"]').click();
  await page.locator('#message', { hasText: 'restart orders-out: done on a' }).waitFor({
    timeout: 60_000,
  });
  await eventually('the new pid shown', async () => {
    const now = await read();
    return now.state === 'running' && now.pid !== before.pid && now.pid !== '-';
  });
  // The page's restart column counts the supervisor's own restarts (after crashes); the
  // metric counts every start after the first, a requested restart too.
  assert.equal(
    sample(await metricsOf(a), 'aes_endpoint_restarts_total{endpoint="orders-out"}'),
    restartsBefore + 1,
  );
  assert.deepEqual(scripts, [], 'no script errors on the page');

  await mkdir(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, 'status-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`# status page screenshot: ${shot}`);
}
