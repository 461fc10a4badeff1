/**
 * Cluster metrics from a kernel's running counters (`Kernel.stats()` in cluster/), read at each
 * scrape, plus the call-latency and backpressure histograms the kernel feeds as they happen.
 * The source is a narrow structural interface so this module does not import `cluster/`.
 */
import type { Registry } from 'prom-client';
import { CLUSTER_ERROR_CODES, PEER_STATES, type CLUSTER_CALL_OUTCOMES } from './catalogue.js';
import { createCounter, createGauge, createHistogram } from './metric-factory.js';

/** The part of cluster's `KernelStats` these metrics read. */
export interface ClusterStatsLike {
  readonly connectionsAccepted: number;
  readonly connectionsRefused: number;
  readonly handshakesCompleted: number;
  readonly closedBeforeHandshake: number;
  readonly handshakeTimeouts: number;
  readonly authFailures: number;
  readonly nameConflicts: number;
  readonly postsSent: number;
  readonly postsReceived: number;
  readonly callsSent: number;
  readonly callsReceived: number;
  readonly repliesReceived: number;
  readonly queueFull: number;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly links: number;
  readonly errors: Readonly<Partial<Record<string, number>>>;
}

export interface ClusterStatsSource {
  stats(): ClusterStatsLike;
  /**
   * Peers by membership state. Without it, every link counts as a `connected` peer.
   */
  peerStates?(): Readonly<Partial<Record<(typeof PEER_STATES)[number], number>>>;
}

export type ClusterCallOutcome = (typeof CLUSTER_CALL_OUTCOMES)[number];

/** What the kernel reports as it happens (the counters are read from `stats()`). */
export interface ClusterMetrics {
  /** A call to another kernel ended. */
  call(durationMs: number, outcome: ClusterCallOutcome): void;
  /** A send waited `durationMs` for a link's write queue to drain. */
  backpressureWait(durationMs: number): void;
}

const ERROR_CODES: ReadonlySet<string> = new Set(CLUSTER_ERROR_CODES);

/** Registers the cluster metrics on `registry`, reading `source` at every scrape. */
export function collectClusterMetrics(
  registry: Registry,
  source: ClusterStatsSource,
): ClusterMetrics {
  createGauge(registry, 'aes_cluster_links', (g) => g.set(source.stats().links));
  createGauge(registry, 'aes_cluster_peers', (g) => {
    const states = source.peerStates?.() ?? { connected: source.stats().links };
    for (const state of PEER_STATES) g.set({ state }, states[state] ?? 0);
  });
  createCounter(registry, 'aes_cluster_connections_total', (c) => {
    const s = source.stats();
    c.reset();
    c.inc({ outcome: 'accepted' }, s.connectionsAccepted);
    c.inc({ outcome: 'refused' }, s.connectionsRefused);
  });
  createCounter(registry, 'aes_cluster_handshakes_total', (c) => {
    c.reset();
    c.inc(source.stats().handshakesCompleted);
  });
  createCounter(registry, 'aes_cluster_handshake_failures_total', (c) => {
    const s = source.stats();
    c.reset();
    c.inc({ reason: 'timeout' }, s.handshakeTimeouts);
    c.inc({ reason: 'auth' }, s.authFailures);
    c.inc({ reason: 'name_conflict' }, s.nameConflicts);
    c.inc({ reason: 'closed_early' }, s.closedBeforeHandshake);
  });
  createCounter(registry, 'aes_cluster_frames_total', (c) => {
    const s = source.stats();
    c.reset();
    c.inc({ direction: 'in', type: 'post' }, s.postsReceived);
    c.inc({ direction: 'in', type: 'call' }, s.callsReceived);
    c.inc({ direction: 'in', type: 'reply' }, s.repliesReceived);
    const control = s.framesIn - s.postsReceived - s.callsReceived - s.repliesReceived;
    c.inc({ direction: 'in', type: 'control' }, Math.max(0, control));
    c.inc({ direction: 'out', type: 'post' }, s.postsSent);
    c.inc({ direction: 'out', type: 'call' }, s.callsSent);
  });
  createCounter(registry, 'aes_cluster_bytes_total', (c) => {
    const s = source.stats();
    c.reset();
    c.inc({ direction: 'in' }, s.bytesIn);
    c.inc({ direction: 'out' }, s.bytesOut);
  });
  createCounter(registry, 'aes_cluster_errors_total', (c) => {
    const { errors } = source.stats();
    c.reset();
    for (const [code, n] of Object.entries(errors)) {
      // Only the protocol's codes: a newer kernel's unknown code must not grow the label set.
      if (ERROR_CODES.has(code) && n !== undefined && n > 0) c.inc({ code }, n);
    }
  });
  createCounter(registry, 'aes_cluster_queue_full_total', (c) => {
    c.reset();
    c.inc(source.stats().queueFull);
  });
  const calls = createHistogram(registry, 'aes_cluster_call_duration_seconds');
  const waits = createCounter(registry, 'aes_cluster_backpressure_waits_total');
  const waited = createHistogram(registry, 'aes_cluster_backpressure_wait_seconds');
  return {
    call(durationMs, outcome) {
      calls.observe({ outcome }, durationMs / 1000);
    },
    backpressureWait(durationMs) {
      waits.inc();
      waited.observe(durationMs / 1000);
    },
  };
}
