/**
 * The multi-host test bed: N hosts on one machine, each a network namespace joined to one bridge
 * (in a namespace of its own) by a veth pair, with its own address and its own files at the same
 * path. Nothing of it exists in the machine's own namespaces: no address, no link, no mount (but
 * the `ip netns` name files). Disposing it — or the process exiting — kills every process on its
 * hosts and deletes the namespaces, which takes their links and nft tables with them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { forgetAtExit, tearDownAtExit } from './exit-fallback.js';
import { Host } from './host.js';
import {
  bedUnavailableReason,
  destroyNetnsSync,
  mountedUnder,
  nextBedId,
  runSync,
  sweepLeftovers,
} from './system.js';

export interface HostBedOptions {
  /** How many hosts (named `h1`…`hN`), or their names (`[a-z][a-z0-9-]`, at most 12 characters). */
  readonly hosts: number | readonly string[];
  /**
   * The first three octets of the /24 the hosts live in; host i (from 1) is `.10+i`. It must not
   * be in use on the machine (checked); beds in parallel may share it, each in its own namespaces.
   * @defaultValue {@link DEFAULT_SUBNET}
   */
  readonly subnet?: string;
  /**
   * Where each host's own files appear on the host. Its parent folder must exist on the machine;
   * on the hosts it is covered by a private tmpfs. @defaultValue {@link DEFAULT_ROOT}
   */
  readonly root?: string;
}

/** An RFC 1918 /24 unused on the development machine and in CI. */
export const DEFAULT_SUBNET = '10.215.15';
export const DEFAULT_ROOT = '/srv/aes';
const HOST_NAME = /^[a-z][a-z0-9-]{0,11}$/;
const BRIDGE = 'br0';

function hostNames(hosts: number | readonly string[]): string[] {
  const names =
    typeof hosts === 'number' ? Array.from({ length: hosts }, (_, i) => `h${i + 1}`) : [...hosts];
  if (names.length < 1 || names.length > 200) throw new Error('a bed has 1 to 200 hosts');
  for (const n of names) {
    if (!HOST_NAME.test(n)) throw new Error(`host name '${n}' is not [a-z][a-z0-9-]{0,11}`);
  }
  if (new Set(names).size !== names.length) throw new Error('host names must be unique');
  return names;
}

/** Refuses a subnet that the machine's own namespace uses (an address or a route in it). */
function assertSubnetUnused(subnet: string): void {
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(subnet)) {
    throw new Error(`subnet '${subnet}' is not three octets like 10.215.15`);
  }
  const prefix = `${subnet}.`;
  const addresses = runSync(['ip', '-4', '-o', 'addr', 'show']).stdout;
  const routes = runSync(['ip', '-4', 'route', 'show', 'table', 'all']).stdout;
  const used = [...addresses.split('\n'), ...routes.split('\n')].find((l) =>
    l.split(/\s+/).some((w) => w.startsWith(prefix)),
  );
  if (used !== undefined) {
    throw new Error(`subnet ${subnet}.0/24 is in use on this machine: ${used.trim()}`);
  }
}

export class HostBed implements AsyncDisposable {
  /** `aes-<pid>-<n>`: the prefix of every namespace of this bed. */
  readonly id: string;
  /** The bed's folder on the machine: the hosts' own folders and `/etc/hosts`. */
  readonly dir: string;
  readonly subnet: string;
  readonly hosts: readonly Host[];
  /** The namespace holding the bridge (the "switch"). */
  readonly bridgeNetns: string;
  readonly #namespaces: string[] = [];
  #closing: Promise<void> | undefined;

  private constructor(id: string, dir: string, subnet: string, hosts: readonly Host[]) {
    this.id = id;
    this.dir = dir;
    this.subnet = subnet;
    this.hosts = hosts;
    this.bridgeNetns = `${id}-br`;
  }

  /**
   * Sweeps leftovers of crashed runs, then builds the bed. Throws when the machine cannot run it
   * (check {@link hostsSkipReason} first) or when a step fails, after undoing what was made.
   */
  static async create(options: HostBedOptions): Promise<HostBed> {
    const unavailable = bedUnavailableReason();
    if (unavailable !== undefined) {
      throw new Error(`multi-host test bed unavailable: ${unavailable}`);
    }
    const names = hostNames(options.hosts);
    const subnet = options.subnet ?? DEFAULT_SUBNET;
    const root = posix.normalize(options.root ?? DEFAULT_ROOT);
    if (!posix.isAbsolute(root) || posix.dirname(root) === '/') {
      throw new Error(`root '${root}' must be absolute and not directly under /`);
    }
    for (const swept of sweepLeftovers()) console.log(`# hosts: swept leftover ${swept}`);
    assertSubnetUnused(subnet);

    const id = nextBedId();
    const dir = await mkdtemp(join(tmpdir(), `aes-hosts-${id.slice('aes-'.length)}-`));
    const hostsFile = join(dir, 'etc-hosts');
    const hosts = names.map(
      (name, i) =>
        new Host({
          name,
          address: `${subnet}.${11 + i}`,
          netns: `${id}-${name}`,
          dir: join(dir, 'hosts', name),
          root,
          hostsFile,
          bedDir: dir,
        }),
    );
    const bed = new HostBed(id, dir, subnet, hosts);
    tearDownAtExit(id, () => {
      const problems = bed.#teardownSync();
      if (problems.length > 0) console.error(`# hosts: tearing down ${id}: ${problems.join('; ')}`);
    });
    try {
      bed.#build(hostsFile);
    } catch (err) {
      const problems = bed.#teardownSync();
      forgetAtExit(id);
      throw new Error(
        `building the bed failed: ${(err as Error).message}${problems.length > 0 ? `; cleanup: ${problems.join('; ')}` : ''}`,
        { cause: err },
      );
    }
    return bed;
  }

  #netns(name: string): void {
    runSync(['ip', 'netns', 'add', name]);
    this.#namespaces.push(name);
    runSync(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  #build(hostsFile: string): void {
    const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
    for (const h of this.hosts) lines.push(`${h.address}\t${h.name}`);
    writeFileSync(hostsFile, `${lines.join('\n')}\n`, { mode: 0o644 });

    const br = this.bridgeNetns;
    this.#netns(br);
    runSync(['ip', '-n', br, 'link', 'add', BRIDGE, 'type', 'bridge']);
    runSync(['ip', '-n', br, 'link', 'set', BRIDGE, 'up']);
    for (const h of this.hosts) {
      mkdirSync(h.dir, { recursive: true, mode: 0o755 });
      this.#netns(h.netns);
      // Made inside the bridge's namespace, the far end moved to the host's at once: no link
      // of the bed ever appears in the machine's own namespace.
      const port = portName(h);
      runSync([
        'ip',
        '-n',
        br,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        h.netns,
      ]);
      runSync(['ip', '-n', br, 'link', 'set', port, 'master', BRIDGE, 'up']);
      runSync(['ip', '-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
      runSync(['ip', '-n', h.netns, 'link', 'set', 'eth0', 'up']);
    }
  }

  getHost(name: string): Host | undefined {
    return this.hosts.find((h) => h.name === name);
  }

  getHostOrThrow(name: string): Host {
    const host = this.getHost(name);
    if (host === undefined) {
      throw new Error(`no host '${name}' (hosts: ${this.hosts.map((h) => h.name).join(', ')})`);
    }
    return host;
  }

  /**
   * Sets the bridge's end of a host's link down or up: down, the host is cut off from every
   * other host (it sees its `eth0` lose carrier, as when a switch port dies); its loopback works.
   */
  setLinkUp(host: Host, up: boolean): void {
    runSync(['ip', '-n', this.bridgeNetns, 'link', 'set', portName(host), up ? 'up' : 'down']);
  }

  /** Whether the bridge's end of the host's link is up. */
  isLinkUp(host: Host): boolean {
    const out = runSync([
      'ip',
      '-n',
      this.bridgeNetns,
      '-o',
      'link',
      'show',
      portName(host),
    ]).stdout;
    return /[<,]UP[,>]/.test(out);
  }

  /** Every process on every host, killed; every namespace, deleted; the folder, removed. */
  #teardownSync(): string[] {
    const problems: string[] = [];
    // Hosts first: their processes die, then the bridge namespace goes with the veth ends.
    for (const netns of [...this.#namespaces].reverse()) {
      try {
        problems.push(...destroyNetnsSync(netns));
      } catch (err) {
        problems.push(`${netns}: ${(err as Error).message}`);
      }
    }
    this.#namespaces.length = 0;
    try {
      if (mountedUnder(this.dir)) problems.push(`${this.dir}: still has mounts; left in place`);
      else rmSync(this.dir, { recursive: true, force: true });
    } catch (err) {
      problems.push(`${this.dir}: ${(err as Error).message}`);
    }
    return problems;
  }

  /** Tears the bed down; every step runs even when one fails. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      const problems = this.#teardownSync();
      forgetAtExit(this.id);
      if (problems.length === 0) resolve();
      else reject(new Error(`tearing down bed ${this.id}: ${problems.join('; ')}`));
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The bridge's end of a host's link (interface names are at most 15 characters). */
function portName(host: Host): string {
  return `v-${host.name}`;
}
