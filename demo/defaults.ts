/**
 * Defaults and limits of `aes demo` that the CLI needs when it declares its flags. A leaf (no
 * imports), so that declaring the commands loads neither the demo nor the node.
 */

/** Records in the source system's FIFO. */
export const DEFAULT_DEMO_RECORDS = 1_000;
export const MAX_DEMO_RECORDS = 1_000_000;
/** Nothing popped or delivered for this long: the demo gives up. */
export const DEFAULT_DEMO_STALL_TIMEOUT_MS = 30_000;
export const MAX_DEMO_STALL_TIMEOUT_MS = 3_600_000;
/** Ports a `portBase` takes: base … base + DEMO_PORT_COUNT - 1 (see `demoPorts`). */
export const DEMO_PORT_COUNT = 9;
