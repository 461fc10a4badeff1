/**
 * What a config reload (SIGHUP) changes, worked out before anything is touched: the endpoints to
 * start (new folders), stop (gone) and restart (another entry module, or other settings), the
 * ones left running, and the node's own settings that differ but can only change with a restart
 * (its name, ports, broker, data folder, cluster, HTTP surface: everything but `endpoints`).
 */
import { isDeepStrictEqual } from 'node:util';
import { endpointSettings, type NodeConfig } from '../config/config.js';
import type { CheckedConfig } from './check-config.js';
import type { EndpointEntry } from './endpoint-folder.js';
import type { Logger } from './logger.js';
import { ConfigError } from '../errors.js';

/** What a reload did, as `AesNode.reload()` resolves and its summary line logs. */
export interface ReloadResult {
  /** Endpoints new in the config, started. */
  readonly started: readonly string[];
  /** Endpoints gone from the config, drained and stopped. */
  readonly stopped: readonly string[];
  /** Endpoints whose entry module or settings changed, drained and started again. */
  readonly restarted: readonly string[];
  /** Endpoints left as they were (their processes keep running). */
  readonly unchanged: readonly string[];
  /**
   * Node settings that differ from the ones in force and take effect at the next start only
   * (`cluster.port`, `broker.urls`, …); not applied.
   */
  readonly restartNeeded: readonly string[];
}

export interface ReloadPlan {
  readonly start: readonly EndpointEntry[];
  readonly stop: readonly string[];
  readonly restart: readonly EndpointEntry[];
  readonly unchanged: readonly string[];
  readonly restartNeeded: readonly string[];
  /** The config in force afterwards: the node's settings as they were, the new endpoints part. */
  readonly config: NodeConfig;
}

/** Every field below `path` whose value differs, as dotted paths (`cluster.tls.cert`). */
function differences(path: string, before: unknown, after: unknown): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  const plain = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
  // Another kind of thing altogether (an embedded broker for an external one): named whole.
  if (!plain(before) || !plain(after) || before.kind !== after.kind) return [path];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((k) => differences(path === '' ? k : `${path}.${k}`, before[k], after[k]));
}

/**
 * Compares the config in force (and the endpoints running under it) with a checked new one.
 * Pure: nothing is started or stopped here.
 */
export function planReload(
  current: NodeConfig,
  running: readonly EndpointEntry[],
  next: CheckedConfig,
): ReloadPlan {
  const { endpoints: _endpoints, file: _file, ...nodeBefore } = current;
  const { endpoints: _nextEndpoints, file: _nextFile, ...nodeAfter } = next.config;
  const restartNeeded = differences('', nodeBefore, nodeAfter);
  const config: NodeConfig = { ...current, endpoints: next.config.endpoints };
  const before = new Map(running.map((e) => [e.name, e]));
  const after = new Set(next.endpoints.map((e) => e.name));
  const start: EndpointEntry[] = [];
  const restart: EndpointEntry[] = [];
  const unchanged: string[] = [];
  for (const entry of next.endpoints) {
    const was = before.get(entry.name);
    if (was === undefined) start.push(entry);
    else if (
      was.module !== entry.module ||
      !isDeepStrictEqual(
        endpointSettings(current, entry.name),
        endpointSettings(config, entry.name),
      )
    ) {
      restart.push(entry);
    } else unchanged.push(entry.name);
  }
  const stop = running.map((e) => e.name).filter((name) => !after.has(name));
  return { start, stop, restart, unchanged, restartNeeded, config };
}

/** What a reload acts on: the node, narrowly. */
export interface ReloadHost {
  readonly log: Logger;
  /** Reads and checks the new config (`checkConfigFile`); rejects when it is invalid. */
  check(): Promise<CheckedConfig>;
  /** The config in force, and the endpoints the node runs under it. */
  current(): NodeConfig;
  running(): readonly EndpointEntry[];
  /** Puts a config in force (before the endpoints are acted on). */
  inForce(config: NodeConfig): void;
  /** Supervises and starts a new endpoint. */
  start(entry: EndpointEntry): Promise<void>;
  /** Drains, stops and forgets an endpoint. */
  stop(name: string): Promise<void>;
  /** Drains an endpoint and starts a new process with the config in force. */
  restart(entry: EndpointEntry): Promise<void>;
}

function names(what: string, list: readonly string[]): string[] {
  return list.length === 0 ? [] : [`${what} ${list.join(', ')}`];
}

/**
 * One reload: the new config checked as a whole (a failure changes nothing and is logged, then
 * thrown), the node settings that need a restart logged, then each endpoint acted on, all at
 * once; one summary line at the end.
 */
export async function applyReload(host: ReloadHost): Promise<ReloadResult> {
  let checked: CheckedConfig;
  try {
    checked = await host.check();
  } catch (err) {
    host.log.error(
      `config reload refused, the config in force stays: ${(err as Error).message}`,
      err instanceof ConfigError ? { issues: err.issues } : {},
    );
    throw err;
  }
  const plan = planReload(host.current(), host.running(), checked);
  if (plan.restartNeeded.length > 0) {
    host.log.warn(
      `config reload: ${plan.restartNeeded.join(', ')} changed; not applied until the node restarts`,
      { restartNeeded: plan.restartNeeded },
    );
  }
  host.inForce(plan.config);
  await Promise.all([
    ...plan.stop.map((name) => host.stop(name)),
    ...plan.restart.map((entry) => host.restart(entry)),
    ...plan.start.map((entry) => host.start(entry)),
  ]);
  const result: ReloadResult = {
    started: plan.start.map((e) => e.name),
    stopped: [...plan.stop],
    restarted: plan.restart.map((e) => e.name),
    unchanged: [...plan.unchanged],
    restartNeeded: [...plan.restartNeeded],
  };
  const done = [
    ...names('started', result.started),
    ...names('stopped', result.stopped),
    ...names('restarted', result.restarted),
  ];
  host.log.info(
    `config reloaded: ${done.length === 0 ? 'no endpoint changed' : done.join('; ')}; ${result.unchanged.length} unchanged`,
    { ...result },
  );
  return result;
}
