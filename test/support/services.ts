/**
 * Real services on this machine (RabbitMQ, Mosquitto). A test that needs one which is absent
 * skips and says so; under CI (`CI=true` or `AES_REQUIRE_SERVICES=1`) an absent service fails.
 */
import { connect } from 'node:net';

export const SERVICES_REQUIRED =
  process.env.CI === 'true' || process.env.AES_REQUIRE_SERVICES === '1';

/** Resolves true when something accepts a TCP connection on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * Returns `undefined` when the service is reachable, or a skip reason when it is not.
 * Throws when services are required (CI), so an absent broker fails loudly there.
 */
export async function serviceSkipReason(
  name: string,
  host: string,
  port: number,
): Promise<string | undefined> {
  if (await isListening(host, port)) return undefined;
  const reason = `${name} is not listening on ${host}:${port}`;
  if (SERVICES_REQUIRED) throw new Error(`${reason} (required under CI)`);
  console.log(`# SKIP: ${reason}; start it to run these tests`);
  return reason;
}
