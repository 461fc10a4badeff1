/**
 * One simulated host of a bed: a network namespace with its own loopback and address, and — for
 * every process started on it — a private mount namespace in which the host's own folder appears
 * at the bed's root path (`/srv/aes` by default), `/etc/hosts` names every host, the hostname is
 * the host's name and the other hosts' folders are hidden. Identical machines, as far as `aes run`
 * can tell.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { NodeProcess, type NodeProcessOptions } from './node-process.js';
import { AES_CLI, TSX } from './paths.js';
import { netnsPids, runAsync, runSync, type CommandResult } from './system.js';

/**
 * Runs on the host before the command itself (arguments: name, own folder, root, hosts file, bed
 * folder, working directory, then the command). The mounts live in the mount namespace that
 * `unshare` made for this process tree alone: they vanish with it and never reach the machine.
 */
const ENTER_HOST = [
  'set -e',
  'name=$1 dir=$2 root=$3 hosts=$4 bed=$5 cwd=$6',
  'shift 6',
  'echo "$name" > /proc/sys/kernel/hostname',
  'mount -t tmpfs -o mode=0755,size=1m aes-host "${root%/*}"',
  'mkdir "$root"',
  'mount --bind "$dir" "$root"',
  'mount --bind "$hosts" /etc/hosts',
  'mount -t tmpfs -o mode=0700,size=64k aes-hidden "$bed"',
  'cd "$cwd"',
  'exec "$@"',
].join('\n');

export interface HostSpec {
  readonly name: string;
  readonly address: string;
  readonly netns: string;
  /** The host's own folder, as the machine (and the test) sees it. */
  readonly dir: string;
  /** Where that folder appears on the host. */
  readonly root: string;
  readonly hostsFile: string;
  /** The bed's folder, hidden on every host. */
  readonly bedDir: string;
}

export interface RunOnHostOptions {
  /** A folder on the host. @defaultValue the host's root */
  readonly cwd?: string;
  /** Added to the test's own environment. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ExecOnHostOptions extends RunOnHostOptions {
  /** @defaultValue 60000 */
  readonly timeoutMs?: number;
  /** Resolve with a failed command's result instead of rejecting. */
  readonly allowFailure?: boolean;
}

export class Host {
  readonly name: string;
  /** The host's IPv4 address on the bed's network. */
  readonly address: string;
  /** The host's network namespace (`ip netns`). */
  readonly netns: string;
  /** The host's own files, as the test sees them (on the host they are at {@link root}). */
  readonly dir: string;
  /** The path of the host's own files on the host: the same on every host. */
  readonly root: string;
  readonly #spec: HostSpec;

  constructor(spec: HostSpec) {
    this.#spec = spec;
    this.name = spec.name;
    this.address = spec.address;
    this.netns = spec.netns;
    this.dir = spec.dir;
    this.root = spec.root;
  }

  /** Where a file of the host (relative to its root, or absolute under it) is, seen from the test. */
  path(file: string): string {
    const rel = isAbsolute(file) ? relative(this.root, file) : file;
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new Error(`${file} is not under ${this.root}, the host's own folder`);
    }
    return join(this.dir, rel);
  }

  async writeFile(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
    const path = this.path(file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data, { mode });
  }

  /** Removes a file or folder of the host (gone already is fine). */
  async remove(file: string): Promise<void> {
    await rm(this.path(file), { recursive: true, force: true });
  }

  async writeJson(file: string, value: unknown): Promise<void> {
    await this.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  readFile(file: string): Promise<string> {
    return readFile(this.path(file), 'utf8');
  }

  /** The command line that runs `argv` on this host. */
  command(argv: readonly string[], cwd = this.root): string[] {
    const s = this.#spec;
    return [
      'ip',
      'netns',
      'exec',
      s.netns,
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      ENTER_HOST,
      'aes-host',
      s.name,
      s.dir,
      s.root,
      s.hostsFile,
      s.bedDir,
      cwd,
      ...argv,
    ];
  }

  /** Runs a command on the host to its end. Rejects on failure unless `allowFailure`. */
  exec(argv: readonly string[], options: ExecOnHostOptions = {}): Promise<CommandResult> {
    return runAsync(this.command(argv, options.cwd), {
      timeoutMs: options.timeoutMs ?? 60_000,
      env: { ...process.env, ...options.env },
      ...(options.allowFailure === undefined ? {} : { allowFailure: options.allowFailure }),
    });
  }

  /**
   * Starts a command on the host and returns at once. The child's pid is the command's own:
   * `ip netns exec`, `unshare` and the shell each replace themselves with the next.
   */
  spawn(
    argv: readonly string[],
    options: RunOnHostOptions & { stdio?: StdioOptions } = {},
  ): ChildProcess {
    const [command, ...args] = this.command(argv, options.cwd);
    return spawn(command as string, args, {
      env: { ...process.env, ...options.env },
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    });
  }

  /** `node --import tsx <script> …` on the host (the test's own helper programs). */
  nodeArgv(script: string, args: readonly string[] = []): string[] {
    return [process.execPath, '--import', TSX, script, ...args];
  }

  /** `aes <args>` from source, on the host, in its root folder (e.g. `['status', '--json']`). */
  aes(args: readonly string[], options: ExecOnHostOptions = {}): Promise<CommandResult> {
    return this.exec(this.nodeArgv(AES_CLI, args), { allowFailure: true, ...options });
  }

  /** `aes run` on the host, as an operator would start it (see {@link NodeProcess}). */
  startNode(options: NodeProcessOptions = {}): Promise<NodeProcess> {
    return NodeProcess.start(this, options);
  }

  /** Pids of every process on the host now. */
  pids(): number[] {
    return netnsPids(this.netns);
  }

  /** Loads an nft script in the host's network namespace (`nft -f -`). */
  nft(script: string): void {
    runSync(['ip', 'netns', 'exec', this.netns, 'nft', '-f', '-'], { input: script });
  }

  /** Runs `nft <args>` in the host's network namespace and returns its output. */
  nftCommand(args: readonly string[]): string {
    return runSync(['ip', 'netns', 'exec', this.netns, 'nft', ...args]).stdout;
  }

  /** Runs `ip <args>` in the host's network namespace and returns its output. */
  ip(args: readonly string[]): string {
    return runSync(['ip', '-n', this.netns, ...args]).stdout;
  }

  toString(): string {
    return `${this.name} (${this.address})`;
  }
}
