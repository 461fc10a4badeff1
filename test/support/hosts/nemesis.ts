/**
 * The nemesis (Jepsen's name for the fault injector): kills and restarts nodes, cuts hosts off,
 * drops packets, delays a relay — and undoes each. It knows the bed, never the checks: a test
 * states its invariants over a history the outside world recorded (the nemesis's own `history`
 * of what it did and when is part of that record, never what aes says about itself).
 */
import type { HostBed } from './bed.js';
import type { Host } from './host.js';
import type { NodeExit, NodeProcess } from './node-process.js';
import type { DelayRelay } from './relay.js';

/** One thing the nemesis did, when the test process did it. */
export interface NemesisEvent {
  /** `Date.now()` once the action took effect (for a kill: once the process had exited). */
  readonly at: number;
  readonly op: 'kill' | 'start' | 'cut' | 'loss' | 'delay' | 'heal';
  /** The host, node or relay acted on. */
  readonly target: string;
  readonly detail: string;
}

/** A fault in force until healed. */
export interface Fault<T = void> {
  /** `node`: a killed node (healing starts it again); `network`: a cut, a loss or a delay. */
  readonly kind: 'node' | 'network';
  readonly description: string;
  readonly healed: boolean;
  /** Undoes the fault. Idempotent: every call returns the same promise. */
  heal(): Promise<T>;
}

export type LossDirection = 'in' | 'out' | 'both';

export interface LossOptions {
  /**
   * `in`: packets arriving on the host's link (dropped at its `eth0` ingress, like loss on the
   * wire); `out`: packets it sends (dropped at its `eth0` egress: TCP sees that as local
   * congestion and resends sooner than after a loss on the wire); `both`. @defaultValue 'both'
   */
  readonly direction?: LossDirection;
  /** Only packets from (in) or to (out) these hosts. @defaultValue every host */
  readonly peers?: readonly Host[];
}

let tables = 0;

/** The nft table of one loss fault: a netdev table bound to the host's `eth0`. */
function lossTable(name: string, percent: number, options: LossOptions): string {
  const direction = options.direction ?? 'both';
  const verdict = percent >= 100 ? 'drop' : `numgen random mod 100 < ${percent} drop`;
  const peers = options.peers?.map((p) => p.address).join(', ');
  const chains: string[] = [];
  if (direction !== 'out') {
    chains.push(
      `  chain in { type filter hook ingress device "eth0" priority 0; policy accept; ${peers === undefined ? '' : `ip saddr { ${peers} } `}${verdict}; }`,
    );
  }
  if (direction !== 'in') {
    chains.push(
      `  chain out { type filter hook egress device "eth0" priority 0; policy accept; ${peers === undefined ? '' : `ip daddr { ${peers} } `}${verdict}; }`,
    );
  }
  return `table netdev ${name} {\n${chains.join('\n')}\n}\n`;
}

export class Nemesis implements AsyncDisposable {
  /** What the nemesis did, in order. */
  readonly history: NemesisEvent[] = [];
  readonly #open = new Set<Fault<unknown>>();

  constructor(readonly bed: HostBed) {}

  #record(op: NemesisEvent['op'], target: string, detail: string, at = Date.now()): void {
    this.history.push({ at, op, target, detail });
  }

  #fault<T>(kind: Fault['kind'], description: string, undo: () => Promise<T>): Fault<T> {
    let healing: Promise<T> | undefined;
    const fault: Fault<T> = {
      kind,
      description,
      get healed() {
        return healing !== undefined;
      },
      heal: () => {
        healing ??= (async () => {
          this.#open.delete(fault);
          return undo();
        })();
        return healing;
      },
    };
    this.#open.add(fault);
    return fault;
  }

  /** The faults not healed yet, oldest first. */
  open(): Fault<unknown>[] {
    return [...this.#open];
  }

  /**
   * Kills a node (SIGKILL by default: its endpoints are left to notice; SIGTERM: a graceful stop)
   * and waits for its exit. Healing starts it again on the same host, with the same options, and
   * resolves with the new process.
   */
  async kill(
    node: NodeProcess,
    signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
  ): Promise<Fault<NodeProcess> & { readonly exit: NodeExit }> {
    node.signal(signal);
    const exit = await node.exited;
    this.#record(
      'kill',
      node.host.name,
      `${signal} pid ${node.pid}: exit ${exit.signal ?? exit.code}`,
      exit.at,
    );
    const fault = this.#fault('node', `${signal} node on ${node.host.name}`, async () => {
      const started = await node.host.startNode(node.options);
      this.#record('start', node.host.name, `pid ${started.pid}`);
      return started;
    });
    return Object.assign(fault, { exit });
  }

  /** Stops a node (SIGTERM by default) and starts it again: a kill healed at once. */
  async restart(
    node: NodeProcess,
    signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM',
  ): Promise<NodeProcess> {
    return (await this.kill(node, signal)).heal();
  }

  /** Cuts a host off: the bridge's end of its link goes down. Healing brings it up. */
  cut(host: Host): Promise<Fault> {
    this.bed.setLinkUp(host, false);
    this.#record('cut', host.name, 'link down');
    return Promise.resolve(
      this.#fault('network', `${host.name} cut off`, () => {
        this.bed.setLinkUp(host, true);
        this.#record('heal', host.name, 'link up');
        return Promise.resolve();
      }),
    );
  }

  /**
   * Drops `percent` (1–100, whole) of the packets on a host's link, at random, with an nft
   * `numgen random` rule in the host's namespace. Healing deletes the rule's table.
   */
  loss(host: Host, percent: number, options: LossOptions = {}): Promise<Fault> {
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
      return Promise.reject(
        new Error(`loss: percent must be a whole number 1–100, not ${percent}`),
      );
    }
    tables += 1;
    const table = `aes_nemesis_${tables}`;
    host.nft(lossTable(table, percent, options));
    const what = `${percent}% ${options.direction ?? 'both'}${options.peers === undefined ? '' : ` with ${options.peers.map((p) => p.name).join(', ')}`}`;
    this.#record('loss', host.name, what);
    return Promise.resolve(
      this.#fault('network', `${what} loss on ${host.name}`, () => {
        host.nftCommand(['delete', 'table', 'netdev', table]);
        this.#record('heal', host.name, `no ${what} loss`);
        return Promise.resolve();
      }),
    );
  }

  /**
   * A silent partition: every host drops all packets from and to the hosts outside its group
   * (no carrier loss, no refusal: peers time out). Hosts in no group keep talking to everyone.
   */
  async partition(...groups: readonly (readonly Host[])[]): Promise<Fault> {
    const faults: Fault[] = [];
    try {
      for (const group of groups) {
        const others = groups.filter((g) => g !== group).flat();
        for (const host of group) {
          if (others.length > 0) faults.push(await this.loss(host, 100, { peers: others }));
        }
      }
    } catch (err) {
      await Promise.allSettled(faults.map((f) => f.heal()));
      throw err;
    }
    const what = groups.map((g) => g.map((h) => h.name).join(',')).join(' | ');
    for (const f of faults) this.#open.delete(f);
    return this.#fault('network', `partition ${what}`, async () => {
      await Promise.all(faults.map((f) => f.heal()));
    });
  }

  /** Sets a relay's delay (each direction); healing sets back the delay it had. */
  async delay(relay: DelayRelay, ms: number): Promise<Fault> {
    const before = relay.delayMs;
    await relay.setDelay(ms);
    this.#record('delay', relay.name, `${ms} ms`);
    return this.#fault('network', `${ms} ms delay on ${relay.name}`, async () => {
      await relay.setDelay(before);
      this.#record('heal', relay.name, `${before} ms`);
    });
  }

  /**
   * Heals every open fault, newest first; every one is tried even when one fails. Killed nodes
   * are started again only with `nodes: true`.
   */
  async healAll(options: { nodes?: boolean } = {}): Promise<void> {
    const errors: unknown[] = [];
    for (const fault of this.open().reverse()) {
      if (fault.kind === 'node' && options.nodes !== true) continue;
      try {
        await fault.heal();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'healing faults failed');
  }

  /** Heals the network faults (killed nodes stay down). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.healAll();
  }
}
