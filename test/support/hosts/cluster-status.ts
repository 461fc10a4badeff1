/**
 * What `aes status --json` says on a host, as the multi-host tests read it: the command run on
 * the host (from source: slow on a loaded machine), polled until a condition holds, and the
 * conditions the tests ask most — the cluster whole, some nodes reported down.
 */
import assert from 'node:assert/strict';
import { pollUntil } from '../wait.js';
import type { RefusedNode } from '../../../runtime/node/index.js';
import type { Host } from './host.js';

/** What `aes status` run on a host may take on a loaded machine (the CLI starts from source). */
export const STATUS_TIMEOUT_MS = 30_000;

export interface StatusEntry {
  readonly node: string;
  /** Set for a node that could not be asked. */
  readonly error?: string;
  readonly since?: string;
  readonly via?: readonly string[];
  readonly endpoints?: readonly { readonly name: string; readonly state: string }[];
}

/** A handshake refused either way in the last 30 s, as `aes status --json` lists it. */
export type RefusalEntry = RefusedNode;

export interface StatusJson {
  readonly nodes: readonly StatusEntry[];
  readonly refused?: readonly RefusalEntry[];
}

/** The command's exit code and its JSON (no nodes when it printed nothing or an error). */
export interface Status {
  readonly code: number | null;
  readonly json: StatusJson;
}

/** Runs `aes status --json` on `host`. */
export async function statusOf(host: Host): Promise<Status> {
  const r = await host.aes(['status', '--json'], { timeoutMs: STATUS_TIMEOUT_MS });
  // A failure prints `{"error": …}` under --json (docs/cli.md): no nodes, as when it printed nothing.
  const parsed = JSON.parse(r.stdout || '{}') as Partial<StatusJson>;
  return { code: r.status, json: { ...parsed, nodes: parsed.nodes ?? [] } };
}

/**
 * Polls every host's `aes status --json` until `done` holds for all of them; on timeout, fails
 * with what each host last said. Resolves with what each said last.
 */
export async function waitStatus(
  what: string,
  hosts: readonly Host[],
  done: (s: Status) => boolean,
  timeoutMs = 60_000,
): Promise<Map<string, Status>> {
  const last = new Map<string, Status>();
  try {
    await pollUntil(
      what,
      async () => {
        const seen = await Promise.all(
          hosts.map(async (h) => [h.name, await statusOf(h)] as const),
        );
        for (const [name, s] of seen) last.set(name, s);
        return seen.every(([, s]) => done(s));
      },
      timeoutMs,
    );
  } catch (err) {
    assert.fail(`${(err as Error).message}; last seen: ${JSON.stringify([...last])}`);
  }
  return last;
}

/** Exit 0, exactly `names` listed (sorted), none unreachable. */
export function isWhole(names: readonly string[]): (s: Status) => boolean {
  return ({ code, json }) =>
    code === 0 &&
    json.nodes.map((n) => n.node).join() === names.join() &&
    json.nodes.every((n) => n.error === undefined);
}

/**
 * Exit 1, exactly `count` nodes listed, and each of `down` listed unreachable as
 * `{node, error, since}` with a valid time.
 */
export function reportsDown(count: number, ...down: string[]): (s: Status) => boolean {
  return ({ code, json }) =>
    code === 1 &&
    json.nodes.length === count &&
    down.every((d) => {
      const entry = json.nodes.find((n) => n.node === d);
      return (
        entry?.error !== undefined &&
        entry.since !== undefined &&
        !Number.isNaN(Date.parse(entry.since))
      );
    });
}
