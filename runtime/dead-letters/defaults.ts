/** Defaults of `aes dlq`, in a leaf module so that declaring the CLI command stays light. */

/** Deadline of a whole `aes dlq` command (connect, browse, republish) unless given. */
export const DEFAULT_DLQ_TIMEOUT_MS = 30_000;
