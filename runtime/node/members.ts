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
}

export class MemberDirectory {
  readonly #known = new Map<string, string>();

  constructor(
    private readonly kernel: Kernel,
    private readonly self: () => NodeInfo,
  ) {}

  /** The other nodes: linked now, or kept by membership (seeds and learned peers). */
  others(): { name: string; connected: boolean }[] {
    const self = this.self().node;
    const out = new Map<string, boolean>();
    for (const m of this.kernel.members()) {
      if (m.name !== undefined && m.name !== self) out.set(m.name, m.connected);
    }
    for (const k of this.kernel.kernels()) {
      // Endpoint kernels are `<endpoint>@<node>`; clients are not members.
      if (k.role === 'kernel' && !k.name.includes('@')) out.set(k.name, true);
    }
    return [...out].map(([name, connected]) => ({ name, connected }));
  }

  /** This node first, then the others by name. Never rejects: an unreachable one keeps its URL. */
  async list(): Promise<Member[]> {
    const me = this.self();
    const others = this.others().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const members = await Promise.all(
      others.map(async ({ name, connected }): Promise<Member> => {
        if (connected) {
          try {
            const info = (await this.kernel.call(`poe://${name}/${CONTROL_SESSION}/info`, null, {
              timeoutMs: MEMBER_INFO_TIMEOUT_MS,
            })) as Partial<NodeInfo> | null;
            if (typeof info?.httpUrl === 'string') this.#known.set(name, info.httpUrl);
          } catch {
            // an older node, or a slow one: what we remember stands
          }
        }
        return { name, httpUrl: this.#known.get(name), connected, self: false };
      }),
    );
    return [{ name: me.node, httpUrl: me.httpUrl, connected: true, self: true }, ...members];
  }
}
