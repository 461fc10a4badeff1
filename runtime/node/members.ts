/**
 * The cluster's members as the HTTP surface shows them: this node and every node the kernel
 * links to or keeps redialing, each with its HTTP URL. A node's URL is asked of it over the
 * cluster (`aes-control/info`) and remembered, so a member that is down still appears (and
 * Prometheus reports it `up == 0` instead of forgetting it).
 */
import type { Kernel } from '../../cluster/index.js';
import { CONTROL_SESSION } from './control-session.js';

/** How long a node waits for another node's `info` before using what it remembers. */
export const MEMBER_INFO_TIMEOUT_MS = 2_000;

/** What `aes-control/info` answers. */
export interface NodeInfo {
  readonly node: string;
  /** Base URL of the node's HTTP server, e.g. `http://10.0.0.5:9464`. */
  readonly httpUrl: string;
}

export interface Member {
  readonly name: string;
  /** Base URL of its HTTP server; undefined until it has told us. */
  readonly httpUrl: string | undefined;
  readonly connected: boolean;
  readonly self: boolean;
  /** When it was last linked or lost (ISO 8601); undefined for this node. */
  readonly since?: string;
  /** Why it is not linked. */
  readonly error?: string;
}

interface Other {
  readonly name: string;
  readonly connected: boolean;
  /** Membership redials it (false: it left, or stayed unreachable past `forgetAfterMs`). */
  readonly redialing?: boolean;
  readonly since?: string;
  readonly error?: string;
}

export class MemberDirectory {
  readonly #known = new Map<string, string>();
  readonly #stop: () => void;

  constructor(
    private readonly kernel: Kernel,
    private readonly self: () => NodeInfo,
  ) {
    // Ask a node for its URL as soon as it links: one that dies before anybody looked stays a
    // target of /sd/prometheus all the same.
    this.#stop = kernel.monitor('*', {
      register: (e) => {
        if (e.role === 'kernel' && !e.kernel.includes('@')) void this.#ask(e.kernel);
      },
    });
  }

  /** Stops watching the kernel. */
  close(): void {
    this.#stop();
  }

  /** The other nodes: linked now, or known to membership (seeds, learned, once linked). */
  others(): Other[] {
    const self = this.self().node;
    const out = new Map<string, Other>();
    for (const m of this.kernel.members()) {
      if (m.name === undefined || m.name === self || m.name.includes('@')) continue;
      out.set(m.name, {
        name: m.name,
        connected: m.connected,
        redialing: m.redialing,
        since: new Date(m.since).toISOString(),
        ...(m.error === undefined ? {} : { error: m.error }),
      });
    }
    for (const k of this.kernel.kernels()) {
      // Endpoint kernels are `<endpoint>@<node>`; clients are not members.
      if (k.role !== 'kernel' || k.name.includes('@')) continue;
      const known = out.get(k.name);
      out.set(k.name, { ...known, name: k.name, connected: true });
    }
    return [...out.values()];
  }

  /** Asks `name` for its HTTP URL and remembers it; never rejects. */
  async #ask(name: string): Promise<void> {
    try {
      const info = (await this.kernel.call(`poe://${name}/${CONTROL_SESSION}/info`, null, {
        timeoutMs: MEMBER_INFO_TIMEOUT_MS,
      })) as Partial<NodeInfo> | null;
      if (typeof info?.httpUrl === 'string') this.#known.set(name, info.httpUrl);
    } catch {
      // an older node, or a slow one: what we remember stands
    }
  }

  /** This node first, then the others by name. Never rejects: an unreachable one keeps its URL. */
  async list(): Promise<Member[]> {
    const me = this.self();
    const others = this.others().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const members = await Promise.all(
      others.map(async (other): Promise<Member> => {
        if (other.connected) await this.#ask(other.name);
        return { ...other, httpUrl: this.#known.get(other.name), self: false };
      }),
    );
    return [{ name: me.node, httpUrl: me.httpUrl, connected: true, self: true }, ...members];
  }
}
