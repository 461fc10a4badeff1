/**
 * The cluster's dead letters on one page: `/dead-letters.json?scope=cluster` asks every other
 * node it is linked to for the dead letters of its endpoints over the cluster protocol (the
 * `aes-dead-letters` session every node publishes), each with a deadline, and answers them beside
 * its own; a replay or drop naming another node (`?node=NAME`) is forwarded to that node, which
 * does it with its own broker login, as `aes dlq` would there. A node that cannot be asked, did
 * not answer in time or could not read its broker is listed under `unreachable` with why, never
 * left out. The bearer token is checked by the node the request reached, before anything is asked
 * (its peers trust it as they trust any kernel that knows the cluster secret).
 *
 * Answers cross the wire as a discriminated union (`ok`), so that a peer's HTTP status — a 404
 * for an unknown message id, a 409, a 503 for its broker — reaches the caller unchanged.
 */
import type { Kernel } from '../../cluster/index.js';
import { endpointOfKernel } from '../link/protocol.js';
import type { NodeConfig } from '../config/config.js';
import { otherNodes, unlinkedNodes } from './control.js';
import { DeadLetterDesk } from './dead-letter-desk.js';
import type { DeadLetterSummary } from './dead-letter-summary.js';
import {
  HttpStatusError,
  type DeadLetterAction,
  type DeadLetterHost,
  type DeadLetterScope,
  type DeadLetterTarget,
} from './http-server.js';

/** The session every node publishes for the cluster's dead letters. */
export const DEAD_LETTER_SESSION = 'aes-dead-letters';
/**
 * How long a node waits for another's list: that node's browse has a deadline of its own
 * (`DEFAULT_DEAD_LETTER_HTTP_TIMEOUT_MS`, 10 s), answered as an error when it passes.
 */
export const DEFAULT_CLUSTER_DEAD_LETTER_LIST_TIMEOUT_MS = 15_000;
/** How long a node waits for another's replay or drop: a browse, then the check's browse. */
export const DEFAULT_CLUSTER_DEAD_LETTER_ACT_TIMEOUT_MS = 30_000;

/** A node whose dead letters are missing from the list, and why. */
export interface DeadLetterGap {
  readonly node: string;
  readonly error: string;
}

/** What `/dead-letters.json?scope=cluster` serves. */
export interface ClusterDeadLetters {
  readonly scope: 'cluster';
  /** The node that answered the request. */
  readonly node: string;
  /** Each node that answered, by name. */
  readonly nodes: readonly DeadLetterSummary[];
  /** Nodes whose dead letters are missing: not linked, no answer in time, broker unreadable. */
  readonly unreachable: readonly DeadLetterGap[];
}

/** A node's answer on the wire. */
type Answer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: number; readonly error: string };

export interface ClusterDeadLetterOptions {
  /** @defaultValue DEFAULT_CLUSTER_DEAD_LETTER_LIST_TIMEOUT_MS */
  readonly listTimeoutMs?: number;
  /** @defaultValue DEFAULT_CLUSTER_DEAD_LETTER_ACT_TIMEOUT_MS */
  readonly actTimeoutMs?: number;
}

/** This node's dead letters and, asked for, the cluster's; actions forwarded to their node. */
export class ClusterDeadLetterDesk implements DeadLetterHost {
  private readonly listTimeoutMs: number;
  private readonly actTimeoutMs: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly node: string,
    private readonly local: DeadLetterDesk,
    options: ClusterDeadLetterOptions = {},
  ) {
    this.listTimeoutMs = options.listTimeoutMs ?? DEFAULT_CLUSTER_DEAD_LETTER_LIST_TIMEOUT_MS;
    this.actTimeoutMs = options.actTimeoutMs ?? DEFAULT_CLUSTER_DEAD_LETTER_ACT_TIMEOUT_MS;
  }

  list(scope: DeadLetterScope = 'node'): Promise<DeadLetterSummary | ClusterDeadLetters> {
    return scope === 'cluster' ? this.clusterList() : this.local.list();
  }

  async act(action: DeadLetterAction, target: DeadLetterTarget, node?: string): Promise<unknown> {
    if (node === undefined || node === this.node) return this.local.act(action, target);
    if (!otherNodes(this.kernel).includes(node)) {
      const member = this.kernel.members().find((m) => m.name === node);
      if (member === undefined) {
        throw new HttpStatusError(
          404,
          `no node '${node}' in the cluster of ${this.node} (linked: ${otherNodes(this.kernel).join(', ') || 'none'}); nothing was changed`,
        );
      }
      throw new HttpStatusError(
        503,
        `node ${node} is not linked to ${this.node}${member.error === undefined ? '' : `: ${member.error}`}; nothing was changed`,
      );
    }
    let answer: Answer<unknown>;
    try {
      answer = (await this.kernel.call(
        `poe://${node}/${DEAD_LETTER_SESSION}/act`,
        { action, target },
        { timeoutMs: this.actTimeoutMs },
      )) as Answer<unknown>;
    } catch (err) {
      // Sent and not answered: it may have been done there; reading again tells.
      throw new HttpStatusError(
        504,
        `node ${node} did not answer the ${action} within ${this.actTimeoutMs} ms (${(err as Error).message}); read the dead letters again to see whether it was done`,
        { cause: err },
      );
    }
    if (!answer.ok) throw new HttpStatusError(answer.status, `node ${node}: ${answer.error}`);
    return answer.value;
  }

  private async clusterList(): Promise<ClusterDeadLetters> {
    const linked = otherNodes(this.kernel);
    const nodes: DeadLetterSummary[] = [];
    const unreachable: DeadLetterGap[] = [];
    const own = answerOf(() => this.local.list());
    await Promise.all([
      own.then((a) => (a.ok ? nodes.push(a.value) : unreachable.push(gap(this.node, a)))),
      ...linked.map(async (node) => {
        try {
          const a = (await this.kernel.call(`poe://${node}/${DEAD_LETTER_SESSION}/local`, null, {
            timeoutMs: this.listTimeoutMs,
          })) as Answer<DeadLetterSummary>;
          if (a.ok) nodes.push(a.value);
          else unreachable.push(gap(node, a));
        } catch (err) {
          unreachable.push({ node, error: (err as Error).message });
        }
      }),
    ]);
    unreachable.push(...unlinkedNodes(this.kernel, this.node, linked));
    return {
      scope: 'cluster',
      node: this.node,
      nodes: nodes.sort((a, b) => a.node.localeCompare(b.node)),
      unreachable: unreachable.sort((a, b) => a.node.localeCompare(b.node)),
    };
  }
}

/**
 * The node's dead-letter host for its HTTP surface: its own desk (`config`, `brokerUrls` as
 * `DeadLetterDesk` takes them), published to the cluster as {@link DEAD_LETTER_SESSION}.
 */
export function clusterDeadLetters(
  kernel: Kernel,
  config: () => NodeConfig,
  brokerUrls: readonly string[],
): ClusterDeadLetterDesk {
  const node = config().node;
  const local = new DeadLetterDesk(node, config, brokerUrls);
  kernel.addSession(DEAD_LETTER_SESSION, {
    local: () => answerOf(() => local.list()),
    act: (args) => answerOf(() => local.act(...parseAct(args))),
  });
  kernel.publish(DEAD_LETTER_SESSION, ['local', 'act'], {
    // Other nodes and command-line clients (both hold the cluster secret); not endpoints.
    allow: (peer) => endpointOfKernel(peer.name, node) === undefined,
  });
  return new ClusterDeadLetterDesk(kernel, node, local);
}

const ACTIONS: ReadonlySet<string> = new Set<DeadLetterAction>(['replay', 'drop']);

function parseAct(args: unknown): [DeadLetterAction, DeadLetterTarget] {
  const a = args as { action?: unknown; target?: Record<string, unknown> } | null;
  const t = a?.target;
  if (typeof a?.action === 'string' && ACTIONS.has(a.action)) {
    const action = a.action as DeadLetterAction;
    if (typeof t?.messageId === 'string') return [action, { messageId: t.messageId }];
    if (typeof t?.endpoint === 'string') return [action, { endpoint: t.endpoint }];
  }
  throw new HttpStatusError(
    400,
    'expected {"action": "replay"|"drop", "target": {"messageId": ID} or {"endpoint": NAME}}',
  );
}

/** `f`'s value, or its failure with the HTTP status it would have been answered with. */
async function answerOf<T>(f: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    return {
      ok: false,
      status: err instanceof HttpStatusError ? err.status : 500,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

function gap(node: string, answer: { readonly status: number; readonly error: string }) {
  return { node, error: `${answer.status} ${answer.error}` };
}
