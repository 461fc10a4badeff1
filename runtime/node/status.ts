/** What `aes status` shows: every node of the cluster and every endpoint on it. */
import type { EndpointCounters } from '../endpoint/progress.js';
import type { EndpointState } from '../supervisor/lifecycle.js';

export interface EndpointStatus {
  readonly name: string;
  readonly node: string;
  /** The supervisor's state, or `attached` for an endpoint run by hand. */
  readonly state: EndpointState | 'attached';
  readonly pid: number | null;
  readonly restarts: number;
  readonly lastError: string | null;
  /** The step it last reported and how long it has been in it (the in-flight age when working). */
  readonly step: string | null;
  readonly stepAgeMs: number | null;
  readonly counters: EndpointCounters | null;
}

export interface NodeStatus {
  readonly node: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly endpoints: readonly EndpointStatus[];
}

export interface ClusterStatus {
  readonly nodes: readonly (
    | (NodeStatus & { readonly error?: undefined })
    | { readonly node: string; readonly error: string }
  )[];
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The status as a table for people. */
export function formatClusterStatus(status: ClusterStatus): string {
  const rows: string[][] = [['NODE', 'ENDPOINT', 'STATE', 'RESTARTS', 'STEP', 'AGE', 'LAST ERROR']];
  for (const node of status.nodes) {
    if (node.error !== undefined) {
      rows.push([node.node, '-', 'unreachable', '-', '-', '-', node.error]);
      continue;
    }
    if (node.endpoints.length === 0) rows.push([node.node, '-', '-', '-', '-', '-', '']);
    for (const e of node.endpoints) {
      rows.push([
        node.node,
        e.name,
        e.state,
        String(e.restarts),
        e.step ?? '-',
        age(e.stepAgeMs),
        e.lastError ?? '',
      ]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
