/**
 * What a node says in its log about the cluster faults that do not heal by themselves: a
 * handshake refused either way (a name claimed twice, a secret that does not match), a seed that
 * does not answer, a node that cannot be reached at the address it advertised. The kernel
 * reports each at its first occurrence and then seldom (once a minute for a refusal, every 30 s
 * for an unreachable member), so a peer redialing every second does not flood the log.
 */
import type { Kernel, KernelRefusal, KernelUnreachableEvent } from '../../cluster/index.js';
import type { Logger } from './logger.js';

/** The log line of a refusal: this node refused a kernel, or a kernel refused this node. */
export function logRefusal(log: Logger, r: KernelRefusal): void {
  const fields = {
    code: r.code,
    peer: r.name,
    address: r.address,
    reason: r.message,
    times: r.count,
    since: new Date(r.since).toISOString(),
  };
  if (r.direction === 'outbound') {
    log.error(`cluster: refused by ${r.address}: ${r.code}`, fields);
    return;
  }
  const what = r.code === 'AUTH_FAILED' ? 'its secret does not match ours' : 'name already linked';
  const line = `cluster: refused '${r.name ?? '?'}' from ${r.address}: ${r.code} (${what})`;
  // A second node under a linked name is a configuration error; a bad secret may be a stranger.
  if (r.code === 'NAME_TAKEN') log.error(line, fields);
  else log.warn(line, fields);
}

/** The log line of a member not reached: a seed that did not answer, or a node's address. */
export function logUnreachable(log: Logger, e: KernelUnreachableEvent, now = Date.now()): void {
  const first = e.failures[0];
  if (first === undefined) return;
  const fields = {
    peer: e.name,
    addresses: e.failures.map((f) => f.address),
    error: e.failures.map((f) => `${f.address}: ${f.message}`).join('; '),
    failingMs: now - e.failingSince,
    attempts: e.attempts,
    redialing: e.redialing,
  };
  const at = e.failures.map((f) => f.address).join(', ');
  if (e.seed) {
    log.warn(`cluster: seed ${e.name === undefined ? at : `${e.name} (${at})`} did not answer`, {
      seed: first.address,
      ...fields,
    });
  } else {
    const name = e.name ?? '?';
    log.warn(`cluster: cannot reach ${name} at ${at} (advertised by ${name})`, fields);
  }
}

/** Logs refusals and members not reached as the kernel reports them; returns the stop function. */
export function watchClusterFaults(kernel: Kernel, log: Logger): () => void {
  return kernel.observe({
    refusal: (r) => logRefusal(log, r),
    unreachable: (e) => logUnreachable(log, e),
  });
}
