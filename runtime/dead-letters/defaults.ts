/** Defaults of `aes dlq`, in a leaf module so that declaring the CLI command stays light. */

/** Deadline of a whole `aes dlq` command (connect, browse, republish) unless given. */
export const DEFAULT_DLQ_TIMEOUT_MS = 30_000;

/** How `aes dlq list` and `show` read: see `browse-method.ts`. */
export const BROWSE_METHODS = ['auto', 'management', 'stomp'] as const;
export type BrowseMethod = (typeof BROWSE_METHODS)[number];
