/**
 * `aes trace ID`: a record's lineage from the whole cluster. Every node publishes `aes-lineage`:
 * `local` answers its own index's steps for an id, `cluster` asks every other node it is linked
 * to (each with a deadline) and merges their steps by time, naming the node of each; nodes not
 * linked or not answering are named in the answer, never skipped silently. Read-only.
 */
import type { Kernel } from '../../cluster/index.js';
import { LINEAGE_STEPS } from '../endpoint/lineage.js';
import { RuntimeError } from '../errors.js';
import { endpointOfKernel } from '../link/protocol.js';
import type { NodeConfig } from '../config/config.js';
import type { TableStyle } from '../table-style.js';
import { connectToNode, otherNodes, unlinkedNodes } from './control.js';
import { HttpStatusError } from './http-server.js';
import { MAX_LINEAGE_ID_LENGTH, type LineageEntry } from './lineage-index.js';

/** The session every node publishes for `aes trace` and the status page's search. */
export const LINEAGE_SESSION = 'aes-lineage';
/** How long the node asked waits for each other node's answer. */
export const DEFAULT_TRACE_TIMEOUT_MS = 10_000;

/** A node whose steps are missing from a trace, and why. */
export interface TraceGap {
  readonly node: string;
  readonly error: string;
}

/** A record's steps across the cluster, oldest first. */
export interface RecordTrace {
  readonly id: string;
  readonly steps: readonly LineageEntry[];
  /** The nodes that answered (with steps or without). */
  readonly nodes: readonly string[];
  /** Nodes that could not be asked or did not answer in time: their steps are missing. */
  readonly unreachable: readonly TraceGap[];
}

/** No node that answered holds a step of that id. Nothing was changed. */
export class TraceNotFoundError extends RuntimeError {
  override readonly name = 'TraceNotFoundError';
  constructor(
    readonly id: string,
    readonly unreachable: readonly TraceGap[] = [],
  ) {
    super(
      'RUNTIME_NOT_FOUND',
      `no record '${id}' in the lineage of ${unreachable.length === 0 ? 'any node' : 'the nodes that answered'} (a message id such as orders-out:42, or a FIFO id; steps older than lineage.maxAgeMs are forgotten)${
        unreachable.length === 0
          ? ''
          : `; not asked, unreachable: ${unreachable.map((u) => `${u.node} (${u.error})`).join('; ')}`
      }`,
      unreachable.length > 0,
    );
  }
}

/** The id a caller gave, checked: `HttpStatusError` 400 for an empty or overlong one. */
export function checkTraceId(id: unknown): string {
  if (typeof id !== 'string' || id.trim().length === 0) {
    throw new HttpStatusError(400, 'give a message id or a FIFO id');
  }
  if (id.length > MAX_LINEAGE_ID_LENGTH) {
    throw new HttpStatusError(400, `an id has at most ${MAX_LINEAGE_ID_LENGTH} characters`);
  }
  return id.trim();
}

const RANK = new Map([...LINEAGE_STEPS].map((step, i) => [step, i]));

/** Steps of several nodes merged: by time, then by step order; a step reported twice once. */
export function mergeSteps(parts: readonly (readonly LineageEntry[])[]): LineageEntry[] {
  const seen = new Set<string>();
  const merged: LineageEntry[] = [];
  for (const step of parts.flat()) {
    // A replay is seen by each delivery that carries its header: the same step, once.
    const { node: _node, ...event } = step;
    const key = JSON.stringify(event);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(step);
  }
  return merged.sort(
    (a, b) => a.atMs - b.atMs || (RANK.get(a.step) ?? 0) - (RANK.get(b.step) ?? 0),
  );
}

export interface TraceHost {
  readonly node: string;
  /** This node's steps of `id`. */
  find(id: string): LineageEntry[];
}

async function clusterTrace(
  kernel: Kernel,
  host: TraceHost,
  id: string,
  timeoutMs: number,
): Promise<RecordTrace> {
  const linked = otherNodes(kernel);
  const unreachable: TraceGap[] = [];
  const answered: string[] = [host.node];
  const parts: LineageEntry[][] = [host.find(id)];
  await Promise.all(
    linked.map(async (node) => {
      try {
        const steps = (await kernel.call(
          `poe://${node}/${LINEAGE_SESSION}/local`,
          { id },
          { timeoutMs },
        )) as LineageEntry[];
        parts.push(Array.isArray(steps) ? steps : []);
        answered.push(node);
      } catch (err) {
        unreachable.push({ node, error: (err as Error).message });
      }
    }),
  );
  unreachable.push(...unlinkedNodes(kernel, host.node, linked));
  return {
    id,
    steps: mergeSteps(parts),
    nodes: answered.sort(),
    unreachable: unreachable.sort((a, b) => a.node.localeCompare(b.node)),
  };
}

export function installTraceSession(kernel: Kernel, host: TraceHost): void {
  kernel.addSession(LINEAGE_SESSION, {
    local: (args) => host.find(checkTraceId((args as { id?: unknown } | null)?.id)),
    cluster: (args) => {
      const a = args as { id?: unknown; timeoutMs?: unknown } | null;
      const timeoutMs =
        typeof a?.timeoutMs === 'number' && a.timeoutMs > 0
          ? a.timeoutMs
          : DEFAULT_TRACE_TIMEOUT_MS;
      return clusterTrace(kernel, host, checkTraceId(a?.id), timeoutMs);
    },
  });
  kernel.publish(LINEAGE_SESSION, ['local', 'cluster'], {
    allow: (peer) => endpointOfKernel(peer.name, host.node) === undefined,
  });
}

/** The status page's search: the cluster's trace, 404 when no node has a step of `id`. */
export async function traceForPage(kernel: Kernel, node: string, id: string): Promise<RecordTrace> {
  const trace = (await kernel.call(`poe://${node}/${LINEAGE_SESSION}/cluster`, {
    id: checkTraceId(id),
  })) as RecordTrace;
  if (trace.steps.length === 0) {
    throw new HttpStatusError(404, new TraceNotFoundError(id, trace.unreachable).message);
  }
  return trace;
}

export interface TraceOptions {
  /** Another node's cluster address; default this config's node. */
  readonly address?: string;
  /** Deadline of each node's answer. @defaultValue DEFAULT_TRACE_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/**
 * The lineage of the record `id` (message id or FIFO id) from every node of the cluster;
 * `TraceNotFoundError` when no node that answered has a step of it.
 */
export async function traceRecord(
  config: NodeConfig,
  id: string,
  options: TraceOptions = {},
): Promise<RecordTrace> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TRACE_TIMEOUT_MS;
  const client = await connectToNode(config, {
    timeoutMs,
    ...(options.address === undefined ? {} : { address: options.address }),
  });
  try {
    const trace = (await client.call(`poe://${client.server.name}/${LINEAGE_SESSION}/cluster`, {
      id: checkTraceId(id),
      timeoutMs,
    })) as RecordTrace;
    if (trace.steps.length === 0) throw new TraceNotFoundError(id, trace.unreachable);
    return trace;
  } finally {
    await client.close();
  }
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A trace as a table for people: one step a line, then the nodes whose steps are missing. */
export function formatRecordTrace(trace: RecordTrace, style: TableStyle = {}): string {
  const ids = [...new Set(trace.steps.map((s) => s.messageId))];
  const rows = trace.steps.map((s) => [
    time(s.atMs),
    s.node,
    s.endpoint,
    s.step,
    s.attempt === undefined ? '' : String(s.attempt),
    s.outcome ?? '',
    s.messageId === trace.id || ids.length === 1
      ? (s.detail ?? '')
      : `${s.messageId} ${s.detail ?? ''}`,
  ]);
  const head = ['TIME (UTC)', 'NODE', 'ENDPOINT', 'STEP', 'TRY', 'OUTCOME', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const heading = line(head);
  const out = [
    `${ids.join(', ')}: ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'} (nodes asked: ${trace.nodes.join(', ')})`,
    style.heading?.(heading) ?? heading,
    ...rows.map((r) => {
      const text = line(r);
      return r[5] === 'failed' ? (style.state?.('failed', text) ?? text) : text;
    }),
  ];
  for (const gap of trace.unreachable) {
    const text = `unreachable: ${gap.node} (${gap.error}): its steps are missing`;
    out.push(style.state?.('unreachable', text) ?? text);
  }
  return out.join('\n');
}
