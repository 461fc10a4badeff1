/**
 * A node's listener whose port is taken fails naming the config field that sets the port
 * (`PortInUseError`), not only the address: the user knows what to change, and where.
 */
import { PortInUseError } from '../errors.js';

/** True when `err` or one of its causes is Node's `EADDRINUSE`. */
function addressInUse(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
    if ((current as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
    current = current.cause;
  }
  return false;
}

/** Runs `listen` (which binds `host:port`); an address in use becomes a `PortInUseError`. */
export async function listenAs<T>(
  field: string,
  host: string,
  port: number,
  listen: () => Promise<T>,
): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if (addressInUse(err)) throw new PortInUseError(field, host, port, { cause: err });
    throw err;
  }
}
