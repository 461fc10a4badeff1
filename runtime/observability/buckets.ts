/** The histograms' bucket bounds, in seconds, shared by the metric catalogue (`catalogue.ts`). */
/** Web-service calls: 5 ms to 60 s. */
export const CALL_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** A record from its pop to the target: 1 ms to 1 h (a target down for a while). */
export const RECORD_LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
/** Broker confirmations and kernel-to-kernel calls: 0.5 ms to 10 s. */
export const CONFIRM_BUCKETS_S: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** fdatasync of the broker's journal: 50 µs to 1 s. */
export const FSYNC_BUCKETS_S: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
