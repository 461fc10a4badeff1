/** What `aes status` shows: every node of the cluster and every endpoint on it. */
import type { EndpointCounters } from '../endpoint/progress.js';
import type { EndpointState } from '../supervisor/lifecycle.js';
import type { TransportState } from '../../transports/index.js';
import type { EndpointLeaseStatus } from './placement.js';
import { describeQuarantined, type QuarantinedRecord } from '../../broker/index.js';
import type { TableStyle } from '../table-style.js';

export type { EndpointLeaseStatus } from './placement.js';

/** An endpoint's connection to its broker, as the endpoint last reported it. */
export interface EndpointBrokerStatus {
  /** `connecting` (its first connection), `connected`, `reconnecting` (lost), … */
  readonly state: TransportState;
  /** The broker URL concerned, credentials removed. */
  readonly url: string;
  /** Why the last attempt failed or the connection was lost; null when connected. */
  readonly error: string | null;
  /** When it entered this state (ISO 8601). */
  readonly since: string;
  /** How long it has been in it. */
  readonly ageMs: number;
}

export interface EndpointStatus {
  readonly name: string;
  readonly node: string;
  /**
   * The supervisor's state, `attached` for an endpoint run by hand, or `standby` for one this
   * node does not hold the lease of (with `coordination`).
   */
  readonly state: EndpointState | 'attached' | 'standby';
  readonly pid: number | null;
  readonly restarts: number;
  readonly lastError: string | null;
  /** The step it last reported and how long it has been in it (the in-flight age when working). */
  readonly step: string | null;
  readonly stepAgeMs: number | null;
  readonly counters: EndpointCounters | null;
  /** Its broker connection; null until the running process reports one. */
  readonly broker: EndpointBrokerStatus | null;
  /** Its lease, on a node with `coordination` (absent without, and from earlier releases). */
  readonly lease?: EndpointLeaseStatus;
}

export interface NodeStatus {
  readonly node: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly endpoints: readonly EndpointStatus[];
  /** The other nodes it is linked to now (absent from nodes of earlier releases). */
  readonly links?: readonly string[];
  /**
   * Corrupt records its embedded broker set aside at start-up (kept in the broker's data
   * directory, `quarantine/`); absent when there are none.
   */
  readonly quarantined?: readonly QuarantinedRecord[];
  /** Its embedded broker's store cannot write (a full disk, say) since then; absent otherwise. */
  readonly storeFailure?: { readonly message: string; readonly since: string };
}

/** A node the answering node knows (a seed, learned, linked once) but cannot get an answer from. */
export interface UnreachableNode {
  /** Its name; for a seed never reached, its address. */
  readonly node: string;
  /** Why: how its link was lost and the latest redial failure, or why the call failed. */
  readonly error: string;
  /** Since when it is unreachable (ISO 8601): when its link was lost, or when it was learned. */
  readonly since: string;
  /** The nodes that answered and are still linked to it: it is cut off from the answering node only. */
  readonly via?: readonly string[];
}

/**
 * A kernel the answering node refused in the last 30 s, and keeps refusing: a second node under
 * a name already linked (`NAME_TAKEN`), or one whose secret does not match ours (`AUTH_FAILED`).
 */
export interface RefusedNode {
  /** The name it claimed. */
  readonly node: string;
  /** Where it connected from (the latest attempt). */
  readonly address: string;
  readonly code: string;
  /** Why, e.g. `NAME_TAKEN: a live kernel named 'node-b' is already linked … claimed by …`. */
  readonly error: string;
  /** When it was first refused (ISO 8601), and how many times since. */
  readonly since: string;
  readonly count: number;
}

export interface ClusterStatus {
  readonly nodes: readonly ((NodeStatus & { readonly error?: undefined }) | UnreachableNode)[];
  /** Kernels the answering node refuses (absent from nodes of earlier releases, and when none). */
  readonly refused?: readonly RefusedNode[];
}

/** `aes status` exits 1 when this holds: a node unreachable, or a node refused. */
export function clusterHasFaults(status: ClusterStatus): boolean {
  return status.nodes.some((n) => n.error !== undefined) || (status.refused ?? []).length > 0;
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** `running` — or `running (broker reconnecting 12 s)` while its broker is not connected. */
function stateText(e: EndpointStatus): string {
  const broker = e.broker ?? null; // a node of an older version sends none
  const state = e.state + leaseText(e.lease);
  if (broker === null || broker.state === 'connected' || broker.state === 'closed') return state;
  return `${state} (broker ${broker.state} ${age(broker.ageMs)})`;
}

/**
 * ` (owner: b, token 42, lease 3 s)`, `, desired: stopped` unless running, `, warm` for a warm
 * standby; nothing without a lease.
 */
export function leaseText(lease: EndpointLeaseStatus | undefined): string {
  if (lease === undefined) return '';
  const desired =
    (lease.desired === undefined || lease.desired === 'running'
      ? ''
      : `, desired: ${lease.desired}`) + (lease.warm === true ? ', warm' : '');
  if (lease.shared === true) {
    const held =
      lease.role === 'owner'
        ? `, token ${lease.token ?? '?'}, lease ${age(lease.ageMs)}`
        : ', not running here';
    return ` (shared${held}${desired})`;
  }
  if (lease.owner === null) return ` (owner: none${desired})`;
  const token = lease.token === null ? '' : `, token ${lease.token}`;
  return ` (owner: ${lease.owner}${token}, lease ${age(lease.ageMs)}${desired})`;
}

/** The status as a table for people; `style` marks its header row and its states. */
export function formatClusterStatus(status: ClusterStatus, style: TableStyle = {}): string {
  const rows: string[][] = [['NODE', 'ENDPOINT', 'STATE', 'RESTARTS', 'STEP', 'AGE', 'LAST ERROR']];
  for (const node of status.nodes) {
    if (node.error !== undefined) {
      const via = node.via === undefined ? '' : `; ${node.via.join(', ')} still linked to it`;
      rows.push([
        node.node,
        '-',
        'unreachable',
        '-',
        '-',
        '-',
        `since ${node.since}: ${node.error}${via}`,
      ]);
      continue;
    }
    if (node.endpoints.length === 0) rows.push([node.node, '-', '-', '-', '-', '-', '']);
    if (node.storeFailure !== undefined) {
      const f = node.storeFailure;
      rows.push([
        node.node,
        '-',
        'store failing',
        '-',
        '-',
        '-',
        `broker: ${f.message} since ${f.since}`,
      ]);
    }
    for (const q of node.quarantined ?? []) {
      rows.push([
        node.node,
        '-',
        'quarantined',
        '-',
        '-',
        '-',
        `broker: ${describeQuarantined(q)}`,
      ]);
    }
    for (const e of node.endpoints) {
      rows.push([
        node.node,
        e.name,
        stateText(e),
        String(e.restarts),
        e.step ?? '-',
        age(e.stepAgeMs),
        e.lastError ?? e.lease?.error ?? '',
      ]);
    }
  }
  for (const r of status.refused ?? []) {
    rows.push([
      r.node,
      '-',
      'refused',
      '-',
      '-',
      '-',
      `since ${r.since}: ${r.error} (${r.count}×)`,
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: readonly string[], body: boolean): string =>
    r
      .map((cell, i) => {
        const padded = i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
        // The STATE column; a mark of a padded cell keeps the columns in line.
        if (!body || i !== 2 || style.state === undefined) return padded;
        return style.state(cell.split(' ')[0] ?? cell, padded);
      })
      .join('  ')
      .trimEnd();
  return rows
    .map((r, i) => (i === 0 ? (style.heading?.(line(r, false)) ?? line(r, false)) : line(r, true)))
    .join('\n');
}
