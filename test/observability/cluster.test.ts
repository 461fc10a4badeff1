/**
 * Cluster metrics from a kernel's counters: the source is an object of the shape of the kernel's
 * `KernelStats` (its own zeroed counters), changed between scrapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createCounters } from '../../cluster/stats.js';
import { collectClusterMetrics, type ClusterStatsLike } from '../../runtime/observability/index.js';
import { assertPromtoolClean, promtoolSkipReason } from './promtool.js';
import { maybeSample, sample } from './support.js';

function zero(): ClusterStatsLike & Record<string, unknown> {
  return { ...createCounters(), links: 0, errors: {} };
}

test('kernel counters become cluster metrics, read at every scrape', async () => {
  const registry = new Registry();
  let stats = zero();
  const metrics = collectClusterMetrics(registry, { stats: () => stats });
  let text = await registry.metrics();
  assert.equal(sample(text, 'aes_cluster_links'), 0);
  assert.equal(sample(text, 'aes_cluster_handshake_failures_total{reason="auth"}'), 0);

  stats = {
    ...zero(),
    connectionsAccepted: 4,
    connectionsRefused: 1,
    handshakesCompleted: 3,
    authFailures: 1,
    closedBeforeHandshake: 2,
    postsReceived: 10,
    callsReceived: 5,
    repliesReceived: 5,
    framesIn: 27,
    postsSent: 8,
    callsSent: 5,
    bytesIn: 2048,
    bytesOut: 1024,
    queueFull: 2,
    links: 3,
    errors: { AUTH_FAILED: 1, TIMEOUT: 2, SOMETHING_NEW: 7 },
  };
  metrics.call(12, 'ok');
  metrics.call(3_000, 'timeout');
  metrics.backpressureWait(40);
  text = await registry.metrics();
  assert.equal(sample(text, 'aes_cluster_links'), 3);
  assert.equal(sample(text, 'aes_cluster_peers{state="connected"}'), 3);
  assert.equal(sample(text, 'aes_cluster_peers{state="reconnecting"}'), 0);
  assert.equal(sample(text, 'aes_cluster_connections_total{outcome="accepted"}'), 4);
  assert.equal(sample(text, 'aes_cluster_connections_total{outcome="refused"}'), 1);
  assert.equal(sample(text, 'aes_cluster_handshakes_total'), 3);
  assert.equal(sample(text, 'aes_cluster_handshake_failures_total{reason="auth"}'), 1);
  assert.equal(sample(text, 'aes_cluster_handshake_failures_total{reason="closed_early"}'), 2);
  assert.equal(sample(text, 'aes_cluster_frames_total{direction="in",type="post"}'), 10);
  assert.equal(sample(text, 'aes_cluster_frames_total{direction="in",type="control"}'), 7);
  assert.equal(sample(text, 'aes_cluster_frames_total{direction="out",type="call"}'), 5);
  assert.equal(sample(text, 'aes_cluster_bytes_total{direction="in"}'), 2048);
  assert.equal(sample(text, 'aes_cluster_errors_total{code="TIMEOUT"}'), 2);
  // A code the catalogue does not know cannot grow the label set.
  assert.equal(maybeSample(text, 'aes_cluster_errors_total{code="SOMETHING_NEW"}'), undefined);
  assert.equal(sample(text, 'aes_cluster_queue_full_total'), 2);
  assert.equal(sample(text, 'aes_cluster_call_duration_seconds_count{outcome="ok"}'), 1);
  assert.equal(
    sample(text, 'aes_cluster_call_duration_seconds_bucket{le="5",outcome="timeout"}'),
    1,
  );
  assert.equal(
    sample(text, 'aes_cluster_call_duration_seconds_bucket{le="2.5",outcome="timeout"}'),
    0,
  );
  assert.equal(sample(text, 'aes_cluster_backpressure_waits_total'), 1);
  assert.equal(sample(text, 'aes_cluster_backpressure_wait_seconds_sum'), 0.04);
  if (promtoolSkipReason() === false) assertPromtoolClean(text);
});

test('peer states from the membership, when the kernel gives them', async () => {
  const registry = new Registry();
  collectClusterMetrics(registry, {
    stats: () => ({ ...zero(), links: 5 }),
    peerStates: () => ({ connected: 2, reconnecting: 1 }),
  });
  const text = await registry.metrics();
  assert.equal(sample(text, 'aes_cluster_peers{state="connected"}'), 2);
  assert.equal(sample(text, 'aes_cluster_peers{state="reconnecting"}'), 1);
});
