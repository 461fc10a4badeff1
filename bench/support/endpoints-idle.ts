/** Waits for a bench node's outbound and inbound endpoints to be ready for records. */
import { fetchClusterStatus, loadConfig } from '../../runtime/node/index.js';
import type { RunningNode } from '../../test/e2e/support/project.js';

/**
 * Until the inbound endpoint subscribed and the outbound one polls the empty FIFO (both
 * endpoints' steps), or an error after `timeoutMs` naming the steps seen last.
 */
export async function waitIdle(node: RunningNode, timeoutMs: number): Promise<void> {
  const config = await loadConfig(node.project.configFile);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetchClusterStatus(config);
    const steps = status.nodes.flatMap((n) =>
      n.error === undefined ? n.endpoints.map((e) => e.step) : [],
    );
    if (steps.length === 2 && steps.every((s) => s === 'waiting' || s === 'idle' || s === 'pop'))
      return;
    if (Date.now() > until) {
      throw new Error(`endpoints not idle within ${timeoutMs / 1000} s: ${steps.join(',')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
