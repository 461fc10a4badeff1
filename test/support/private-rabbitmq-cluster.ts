/**
 * A RabbitMQ cluster of the test's own on loopback: N `rabbitmq-server` instances of the machine's
 * RabbitMQ (Debian's package), each with its own node name, ports (AMQP, STOMP, distribution) and
 * data folder, sharing an Erlang cookie, joined with `rabbitmqctl join_cluster`. A test can ask
 * which node leads a queue and kill that node's Erlang VM (`beam.smp`) with SIGKILL; `close()`
 * kills what is left and removes the folder. The machine's own RabbitMQ (rabbit@localhost, 5672,
 * 61613) is never touched: only epmd, the Erlang port mapper, is shared with it (names differ).
 *
 * Run as any user: the scripts under /usr/lib/rabbitmq/bin are called directly. Debian's
 * /usr/sbin wrappers would switch root to the `rabbitmq` user (`su`), which resets HOME — and
 * with it the cookie — and cannot read this test's private folder.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../util/index.js';
import { binarySkipReason } from './binaries.js';
import { forgetAtExit, tearDownAtExit } from './hosts/exit-fallback.js';
import { freePort } from './ports.js';
import { isListening } from './services.js';
import { pollUntil, within } from './wait.js';

const SBIN = '/usr/lib/rabbitmq/bin';
export const RABBITMQ_SERVER_BIN = `${SBIN}/rabbitmq-server`;
export const RABBITMQCTL_BIN = `${SBIN}/rabbitmqctl`;
/** Three VMs booting at once on a loaded 2-core machine take 10–30 s. */
const BOOT_DEADLINE_MS = 90_000;
/** Deadline of one `rabbitmqctl` call (the CLI is an Erlang VM of its own: ~1 s a call). */
const CTL_DEADLINE_MS = 60_000;
const KILL_DEADLINE_MS = 10_000;
const FOLDER_PREFIX = 'aes-rabbitmq-';
const EPMD_PORT = 4369;
/** Erlang VM flags: one scheduler, and no busy waiting by its schedulers when idle. */
const QUIET_VM = '+S 1:1 +SDcpu 1:1 +sbwt none +sbwtdcpu none +sbwtdio none';

/** `undefined` when RabbitMQ is installed, else the skip reason (throws under CI). */
export function privateRabbitSkipReason(): string | undefined {
  return (
    binarySkipReason(RABBITMQ_SERVER_BIN, 'rabbitmq-server') ??
    binarySkipReason(RABBITMQCTL_BIN, 'rabbitmq-server')
  );
}

/** A `rabbitmqctl` call that failed or outran its deadline. */
export class RabbitCtlError extends Error {
  override readonly name = 'RabbitCtlError';
}

export interface PrivateRabbitNode {
  /** `aes<pid>c<n>n<i>@localhost` */
  readonly name: string;
  readonly amqpPort: number;
  readonly stompPort: number;
  readonly distPort: number;
  /** The Erlang VM's OS pid (the spawned process: the start script and `erl` exec into it). */
  readonly pid: number;
  /** False once it exited (killed by the test or crashed). */
  readonly alive: boolean;
}

export interface PrivateRabbitCluster extends AsyncDisposable {
  readonly nodes: readonly PrivateRabbitNode[];
  readonly user: string;
  readonly password: string;
  /** One STOMP URL per node, in node order, each with `query` (e.g. `queueType=quorum`). */
  stompUrls(query?: string): string[];
  /** `rabbitmqctl -n <node> <args…>`; resolves with its stdout. */
  ctl(node: PrivateRabbitNode, args: readonly string[]): Promise<string>;
  /** What a live node says of `queue` (its name without `/queue/`); undefined if unknown. */
  queue(name: string): Promise<PrivateRabbitQueue | undefined>;
  /** SIGKILL of the node's VM; resolves once it exited, with when (`Date.now()`) it was sent. */
  kill(node: PrivateRabbitNode): Promise<number>;
  /** Copies each node's log folder to `<folder>/<node>/` (for a failed test's artifacts). */
  keepLogs(folder: string): Promise<void>;
  /** Kills every VM left and removes the folder. Idempotent. */
  close(): Promise<void>;
}

export interface PrivateRabbitQueue {
  /** `quorum`, `classic`, `stream` */
  readonly type: string;
  /** The node leading a quorum queue (undefined for another type, or while none leads). */
  readonly leader: PrivateRabbitNode | undefined;
  /** The nodes holding a replica of a quorum queue. */
  readonly members: readonly PrivateRabbitNode[];
}

export interface PrivateRabbitClusterOptions {
  /** @defaultValue 3 */
  readonly size?: number;
}

class Node implements PrivateRabbitNode {
  private output = '';
  readonly exited: Promise<void>;
  private done = false;

  constructor(
    readonly name: string,
    readonly amqpPort: number,
    readonly stompPort: number,
    readonly distPort: number,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.done = true;
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.done;
  }

  tail(): string {
    return this.output.trim();
  }
}

let clusters = 0;

/** Starts `size` nodes at once, joins the others to the first, and waits until all run. */
export async function startPrivateRabbitCluster(
  options: PrivateRabbitClusterOptions = {},
): Promise<PrivateRabbitCluster> {
  sweepLeftovers();
  const size = options.size ?? 3;
  const dir = await mkdtemp(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const epmdBefore = await isListening('127.0.0.1', EPMD_PORT, 500);
  const nodes: Node[] = [];
  // CLI calls in flight: each is an Erlang VM that would outlive a test process exiting.
  const calls = new Set<ChildProcess>();
  const killAll = () => {
    for (const n of nodes) if (n.alive) n.child.kill('SIGKILL');
    for (const call of calls) call.kill('SIGKILL');
  };
  const id = `rabbitmq:${dir}`;
  tearDownAtExit(id, () => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'home');
  await mkdir(home);
  // Erlang refuses a cookie file others can read.
  await writeFile(join(home, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  const user = 'aes';
  const password = randomBytes(8).toString('hex');
  const ctlEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    // Not the machine's /etc/rabbitmq/rabbitmq-env.conf, which names the system broker's node.
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    // Each rabbitmqctl call is an Erlang VM of its own: as quiet as the nodes.
    RABBITMQ_CTL_ERL_ARGS: QUIET_VM,
  };
  await writeFile(ctlEnv.RABBITMQ_CONF_ENV_FILE, '');
  const tag = `aes${process.pid}c${(clusters += 1)}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      killAll();
      await within(
        'the RabbitMQ nodes to exit',
        Promise.all(nodes.map((n) => n.exited)),
        KILL_DEADLINE_MS,
      );
      forgetAtExit(id);
      await rm(dir, { recursive: true, force: true });
      // Our first node started epmd (no other Erlang node ran): stop it once no name is left.
      if (!epmdBefore) {
        const names = spawnSync('epmd', ['-names'], { encoding: 'utf8', timeout: 5_000 });
        if (names.status === 0 && !/^name /m.test(names.stdout)) {
          spawnSync('epmd', ['-kill'], { timeout: 5_000 });
        }
      }
    })());

  const ctl = (node: PrivateRabbitNode, args: readonly string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      if (closing !== undefined) {
        reject(new RabbitCtlError(`rabbitmqctl ${args.join(' ')}: the cluster is closed`));
        return;
      }
      const call = execFile(
        RABBITMQCTL_BIN,
        ['-n', node.name, ...args],
        {
          cwd: dir,
          // A CLI VM that fails to start (its cookie gone) writes no erl_crash.dump anywhere.
          env: { ...ctlEnv, ERL_CRASH_DUMP_SECONDS: '0' },
          timeout: CTL_DEADLINE_MS,
          killSignal: 'SIGKILL',
          encoding: 'utf8',
        },
        (err, stdout, stderr) => {
          calls.delete(call);
          if (err === null) resolve(stdout);
          else {
            reject(
              new RabbitCtlError(
                `rabbitmqctl -n ${node.name} ${args.join(' ')}: ${stderr.trim() || err.message}`,
                { cause: err },
              ),
            );
          }
        },
      );
      calls.add(call);
    });

  try {
    for (let i = 1; i <= size; i += 1) {
      nodes.push(await launch(dir, `${tag}n${i}@localhost`, ctlEnv, user, password));
    }
    const [seed, ...others] = nodes as [Node, ...Node[]];
    const seedBooted = waitBooted(seed);
    // One join at a time (two nodes joining the same seed at once can race in its schema);
    // otherwise each node goes its own way, so one's restart overlaps the other's join.
    let joins: Promise<unknown> = seedBooted;
    await Promise.all([
      seedBooted,
      ...others.map(async (n) => {
        await waitBooted(n);
        // `join_cluster` wants RabbitMQ stopped on the joining node (its VM keeps running). A
        // node started without RabbitMQ (RABBITMQ_NODE_ONLY) would save a boot, but RabbitMQ
        // 3.10 starts the VM's distribution itself, so the CLI could not reach such a node.
        await ctl(n, ['stop_app']);
        const joined = joins.then(() => ctl(n, ['join_cluster', seed.name]));
        joins = joined.catch(() => undefined);
        await joined;
        await ctl(n, ['start_app']);
        await waitBooted(n);
      }),
    ]);
    await pollUntil(
      `${size} RabbitMQ nodes running in one cluster`,
      async () => {
        const status = JSON.parse(await ctl(seed, ['cluster_status', '--formatter', 'json'])) as {
          running_nodes?: string[];
        };
        return (status.running_nodes ?? []).length === size;
      },
      BOOT_DEADLINE_MS,
    );
  } catch (err) {
    const tails = nodes.map((n) => `${n.name}: ${n.tail().slice(-800)}`).join('\n');
    await close();
    throw new Error(`private RabbitMQ cluster did not start: ${(err as Error).message}\n${tails}`, {
      cause: err,
    });
  }

  return {
    nodes,
    user,
    password,
    stompUrls: (query = '') =>
      nodes.map(
        (n) =>
          `stomp://${user}:${password}@127.0.0.1:${n.stompPort}${query === '' ? '' : `?${query}`}`,
      ),
    ctl,
    queue: async (name) => {
      const via = nodes.find((n) => n.alive);
      if (via === undefined) throw new Error('no RabbitMQ node of the cluster is running');
      const listed = JSON.parse(
        await ctl(via, [
          'list_queues',
          'name',
          'type',
          'leader',
          'members',
          '--formatter',
          'json',
          '--quiet',
        ]),
      ) as { name: string; type: string; leader?: unknown; members?: unknown }[];
      const found = listed.find((q) => q.name === name);
      if (found === undefined) return undefined;
      const members = Array.isArray(found.members) ? found.members : [];
      return {
        type: found.type,
        leader: nodes.find((n) => n.name === found.leader),
        members: nodes.filter((n) => members.includes(n.name)),
      };
    },
    kill: async (node) => {
      const own = nodes.find((n) => n === node);
      if (own === undefined) throw new Error(`${node.name} is not a node of this cluster`);
      const at = Date.now();
      own.child.kill('SIGKILL');
      await within(`${own.name} to exit after SIGKILL`, own.exited, KILL_DEADLINE_MS);
      return at;
    },
    keepLogs: async (folder) => {
      for (const n of nodes) {
        const short = n.name.slice(0, n.name.indexOf('@'));
        await cp(join(dir, short, 'log'), join(folder, short), { recursive: true });
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function launch(
  dir: string,
  name: string,
  ctlEnv: Readonly<Record<string, string>>,
  user: string,
  password: string,
): Promise<Node> {
  const short = name.slice(0, name.indexOf('@'));
  const base = join(dir, short);
  await mkdir(base);
  const [amqpPort, stompPort, distPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(
    join(base, 'rabbitmq.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
      `stomp.listeners.tcp.1 = 127.0.0.1:${stompPort}`,
      `default_user = ${user}`,
      `default_pass = ${password}`,
      'log.console = false',
      'log.file.level = info',
      '',
    ].join('\n'),
  );
  await writeFile(join(base, 'enabled_plugins'), '[rabbitmq_stomp].\n');
  const child = spawn(RABBITMQ_SERVER_BIN, [], {
    cwd: base,
    env: {
      ...ctlEnv,
      RABBITMQ_NODENAME: name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(base, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
      RABBITMQ_LOG_BASE: join(base, 'log'),
      RABBITMQ_PID_FILE: join(base, 'pid'),
      // The script then execs the VM instead of waiting on it in a shell that traps signals, so
      // the child's pid is beam.smp's and SIGKILL reaches the VM; -noinput keeps stdin unread.
      RABBITMQ_ALLOW_INPUT: 'true',
      // One scheduler each, none spinning while idle: three VMs on a shared 2-core machine would
      // otherwise take the CPU from every test running beside this one.
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-noinput -kernel inet_dist_use_interface {127,0,0,1} ${QUIET_VM}`,
      // Where epmd listens if this node has to start it (no Erlang node runs on the machine).
      ERL_EPMD_ADDRESS: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Node(name, amqpPort, stompPort, distPort, child);
}

/** Booted once its STOMP listener (the last thing it starts) accepts connections. */
async function waitBooted(node: Node): Promise<void> {
  await pollUntil(
    `${node.name} to listen for STOMP on 127.0.0.1:${node.stompPort}`,
    async () => {
      if (!node.alive) throw new Error(`${node.name} exited while booting: ${node.tail()}`);
      return isListening('127.0.0.1', node.stompPort, 500);
    },
    BOOT_DEADLINE_MS,
  );
}

/**
 * Removes what a test process killed with SIGKILL left (nothing else could): folders of dead
 * pids, and the VMs still running from them.
 */
function sweepLeftovers(): void {
  const root = tmpdir();
  for (const entry of readdirSync(root)) {
    const match = new RegExp(`^${FOLDER_PREFIX}(\\d+)-`).exec(entry);
    if (match === null || isAlive(Number(match[1]))) continue;
    const folder = join(root, entry);
    for (const sub of safeList(folder)) {
      const pid = Number(safeRead(join(folder, sub, 'pid')).trim());
      // Its environment names the folder (RABBITMQ_MNESIA_BASE…): not a reused pid.
      if (pid > 0 && isAlive(pid) && safeRead(`/proc/${pid}/environ`).includes(folder)) {
        process.kill(pid, 'SIGKILL');
      }
    }
    rmSync(folder, { recursive: true, force: true });
  }
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
