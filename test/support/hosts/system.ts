/**
 * The machine under the bed: running iproute2, util-linux and nftables commands, whether they are
 * there at all (a skip reason, or a failure under CI), and the names the bed gives what it makes,
 * so that a leftover of a crashed run can be told from a live bed and swept.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES_REQUIRED } from '../services.js';

/** What a finished command left. */
export interface CommandResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command that failed (exit code other than 0, a signal, or not started). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
    options?: ErrorOptions,
  ) {
    const how = result.signal !== null ? `signal ${result.signal}` : `exit code ${result.status}`;
    super(`${argv.join(' ')} failed (${how}): ${result.stderr.trim() || result.stdout.trim()}`, {
      ...options,
    });
  }
}

/** Default deadline of one bed command (they are quick: `ip`, `nft`, `cat`). */
export const COMMAND_TIMEOUT_MS = 30_000;

/** Runs a command synchronously (setup, teardown, the exit fallback); throws on failure. */
export function runSync(
  argv: readonly string[],
  options: { input?: string; timeoutMs?: number; allowFailure?: boolean } = {},
): CommandResult {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('runSync: empty command');
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  const result: CommandResult = {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.error === undefined ? (r.stderr ?? '') : `${r.error.message}\n${r.stderr ?? ''}`,
  };
  if (options.allowFailure !== true && (r.error !== undefined || r.status !== 0)) {
    throw new CommandError(argv, result, r.error === undefined ? undefined : { cause: r.error });
  }
  return result;
}

/** Runs a command without blocking the event loop (the test's child processes keep logging). */
export function runAsync(
  argv: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {},
): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error('runAsync: empty command'));
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        encoding: 'utf8',
        timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        ...(options.env === undefined ? {} : { env: options.env }),
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        const result: CommandResult = {
          status: error === null ? 0 : typeof code === 'number' ? code : null,
          signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null,
          stdout,
          stderr,
        };
        if (error !== null && options.allowFailure !== true) {
          reject(new CommandError(argv, result, { cause: error }));
        } else {
          resolve(result);
        }
      },
    );
  });
}

// ---------------------------------------------------------------- names

/**
 * Every network namespace of a bed is `aes-<pid>-<n>-<suffix>`: the pid of the process that
 * made it and a counter in that process. A name whose pid is dead is a leftover.
 */
export const NETNS_PATTERN = /^aes-(\d+)-(\d+)-[a-z0-9-]+$/;
/** A bed's folder in the temporary directory: `aes-hosts-<pid>-<n>-XXXXXX`. */
export const DIR_PATTERN = /^aes-hosts-(\d+)-(\d+)-/;

let beds = 0;

/** A fresh bed id for this process: `aes-<pid>-<n>`. */
export function nextBedId(): string {
  beds += 1;
  return `aes-${process.pid}-${beds}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The network namespaces of this machine (`ip netns list`), names only. */
export function listNetns(): string[] {
  return runSync(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Pids of the processes in a network namespace (none when it is gone). */
export function netnsPids(netns: string): number[] {
  const r = runSync(['ip', 'netns', 'pids', netns], { allowFailure: true });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((p) => Number.isInteger(p) && p > 0);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Kills every process in `netns` (SIGKILL; they are the bed's own: nodes, their endpoints, relays)
 * and waits up to `waitMs` until none is left, then deletes the namespace: its links (veth ends,
 * the bridge) and nft tables go with it. Returns what failed, as text (empty: all went well).
 */
export function destroyNetnsSync(netns: string, waitMs = 5_000): string[] {
  const problems: string[] = [];
  const until = Date.now() + waitMs;
  for (let pids = netnsPids(netns); pids.length > 0; pids = netnsPids(netns)) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (Date.now() > until) {
      problems.push(`${netns}: processes still alive after SIGKILL: ${pids.join(', ')}`);
      break;
    }
    sleepSync(20);
  }
  const r = runSync(['ip', 'netns', 'delete', netns], { allowFailure: true });
  if (r.status !== 0 && listNetns().includes(netns)) {
    problems.push(`ip netns delete ${netns}: ${r.stderr.trim()}`);
  }
  return problems;
}

/** Whether any mount of the machine's mount namespace lies at or under `dir`. */
export function mountedUnder(dir: string): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => {
    const target = l.split(' ')[1] ?? '';
    return target === dir || target.startsWith(`${dir}/`);
  });
}

/**
 * Removes what crashed beds left behind: every `aes-<pid>-<n>-*` namespace and `aes-hosts-<pid>-*`
 * folder whose pid is no longer alive (its processes killed first). Beds of live processes —
 * parallel test files — are never touched. Returns the names removed.
 */
export function sweepLeftovers(): string[] {
  const swept: string[] = [];
  for (const netns of listNetns()) {
    const m = NETNS_PATTERN.exec(netns);
    if (m === null || pidAlive(Number(m[1]))) continue;
    const problems = destroyNetnsSync(netns);
    if (problems.length > 0) throw new Error(`sweeping ${netns}: ${problems.join('; ')}`);
    swept.push(netns);
  }
  const tmp = tmpdir();
  for (const name of readdirSync(tmp)) {
    const m = DIR_PATTERN.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    const dir = join(tmp, name);
    // The bed's mounts live in its hosts' own mount namespaces; one here would be a surprise.
    if (mountedUnder(dir)) throw new Error(`sweeping ${dir}: something is mounted under it`);
    rmSync(dir, { recursive: true, force: true });
    swept.push(dir);
  }
  return swept;
}

// ---------------------------------------------------------------- requirements

let probed: string | undefined | null = null;

/** Why the bed cannot run here, or undefined when it can (checked once per process). */
export function bedUnavailableReason(): string | undefined {
  if (probed !== null) return probed;
  probed = probe();
  return probed;
}

function commandMissing(argv: readonly string[], debianPackage: string): string | undefined {
  const r = runSync(argv, { allowFailure: true });
  return r.status === 0
    ? undefined
    : `'${argv.join(' ')}' failed (apt-get install -y ${debianPackage}): ${r.stderr.trim()}`;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0)
    return 'network namespaces need root (run as root, as .ci/run does)';
  const missing =
    commandMissing(['ip', 'netns', 'list'], 'iproute2') ??
    commandMissing(['unshare', '--version'], 'util-linux') ??
    commandMissing(['nft', '--version'], 'nftables');
  if (missing !== undefined) return missing;
  // Root in a container may still lack CAP_SYS_ADMIN or CAP_NET_ADMIN: try it out.
  const netns = `${nextBedId()}-probe`;
  try {
    const steps: string[][] = [
      ['ip', 'netns', 'add', netns],
      ['ip', '-n', netns, 'link', 'set', 'lo', 'up'],
      [
        'ip',
        'netns',
        'exec',
        netns,
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        'true',
      ],
      ['ip', 'netns', 'exec', netns, 'nft', 'list', 'ruleset'],
    ];
    for (const step of steps) {
      const r = runSync(step, { allowFailure: true });
      if (r.status !== 0) return `'${step.join(' ')}' failed: ${r.stderr.trim()}`;
    }
    return undefined;
  } finally {
    destroyNetnsSync(netns);
  }
}

/**
 * For a test that needs the bed: `undefined` when it can run, else the reason to skip, printed as
 * `# SKIP`. Under CI (`CI=true` or `AES_REQUIRE_SERVICES=1`) an unusable bed throws instead.
 */
export function hostsSkipReason(): string | undefined {
  const reason = bedUnavailableReason();
  if (reason === undefined) return undefined;
  if (SERVICES_REQUIRED)
    throw new Error(`multi-host test bed unavailable: ${reason} (required under CI)`);
  console.log(`# SKIP: multi-host test bed unavailable: ${reason}`);
  return reason;
}
