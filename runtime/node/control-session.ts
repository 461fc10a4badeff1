/**
 * The name of the session every node publishes for cluster-wide control, in a leaf file: the
 * control service (`control.ts`) and the member directory (`members.ts`, which asks other nodes
 * for their `info`) both call it, and `control.ts` uses the directory's types.
 */

/** The session every node publishes for `aes status`, `aes endpoint …` and member discovery. */
export const CONTROL_SESSION = 'aes-control';
