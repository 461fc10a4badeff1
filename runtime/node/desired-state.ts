/**
 * What operators asked of an endpoint placed by lease, cluster-wide and lasting (issue 16): run
 * it, keep it stopped (`aes endpoint stop`, across node restarts, on every node), or move it to
 * a named node (`aes endpoint move NAME --to NODE`). It lives in the coordination engine beside
 * the endpoint's lease, under `desired/NAME`, written as a fenced value under a short lease of
 * its own so that two operators' writes are serialised by the engine; every node reads it before
 * it campaigns for the endpoint, and its owner after each renewal.
 */
import { campaign, type Coordinator } from '../../coordination/index.js';

export type DesiredState =
  | { readonly state: 'running' }
  | { readonly state: 'stopped' }
  /** Handed over to `to`: the owner drains and releases, only `to` campaigns meanwhile. */
  | { readonly state: 'moving'; readonly to: string };

export const RUNNING: DesiredState = { state: 'running' };

/** The key the desired state of endpoint `name` lives under. */
export function desiredKey(name: string): string {
  return `desired/${name}`;
}

/** How the status shows it: `running`, `stopped`, `moving to NODE`. */
export function describeDesired(desired: DesiredState): string {
  return desired.state === 'moving' ? `moving to ${desired.to}` : desired.state;
}

function parse(text: string): DesiredState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.state === 'running' || v.state === 'stopped') return { state: v.state };
  if (v.state === 'moving' && typeof v.to === 'string' && v.to !== '') {
    return { state: 'moving', to: v.to };
  }
  return undefined;
}

/**
 * The desired state of endpoint `name`: `running` when none was written. A value aes cannot read
 * (written by hand, or by a later version) is `undefined`: the caller keeps what it knew.
 */
export async function readDesired(
  coordinator: Coordinator,
  name: string,
  signal?: AbortSignal,
): Promise<DesiredState | undefined> {
  const stored = await coordinator.get(desiredKey(name), signal === undefined ? {} : { signal });
  return stored === undefined ? RUNNING : parse(stored.value);
}

/** Writes the desired state of endpoint `name`, serialised with other writers by a short lease. */
export async function writeDesired(
  coordinator: Coordinator,
  name: string,
  desired: DesiredState,
  writer: string,
): Promise<void> {
  const key = desiredKey(name);
  const lease = await campaign(coordinator, key, writer, { ttlMs: 2_000, timeoutMs: 10_000 });
  try {
    await coordinator.put(key, JSON.stringify(desired), lease.token);
  } finally {
    await lease.release().catch(() => undefined);
  }
}
