/**
 * A lease holder in a process of its own, for the kill -9 case of the conformance suite:
 * `node --import tsx lease-holder-child.ts <url> <key> <ttlMs>` campaigns for the key, prints
 * `{"token":"…"}` once it holds it, and keeps renewing until it is killed.
 */
import { campaign, openCoordinator } from '../../coordination/index.js';

const [url, key, ttl] = process.argv.slice(2);
if (url === undefined || key === undefined || ttl === undefined) {
  console.error('usage: lease-holder-child.ts <url> <key> <ttlMs>');
  process.exit(2);
}
const coordinator = await openCoordinator(url);
const lease = await campaign(coordinator, key, `child-${process.pid}`, {
  ttlMs: Number(ttl),
  timeoutMs: 30_000,
});
process.stdout.write(`${JSON.stringify({ token: lease.token.toString() })}\n`);
// The lease's own timers are unref'd; this keeps the process up until the parent kills it.
setInterval(() => {
  if (!lease.held) process.exit(3);
}, 100);
