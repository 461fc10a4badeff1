/**
 * The endpoint process's side of placement by lease: the node that started it holds the lease
 * and hands over the engine's URL, the key and the token; the process opens its own connection
 * to the engine for its fenced writes (journal, put marks, de-duplication), so that they do not
 * depend on its node staying up — a write after the lease ended is refused by the engine anyway.
 */
import {
  openCoordinator,
  redactCoordinationUrl,
  type Coordinator,
} from '../../coordination/index.js';
import type { EndpointLaunchConfig } from '../link/protocol.js';
import type { EndpointFence } from '../store/engine-fence.js';
import { SpawnError } from '../errors.js';

export interface OpenFence {
  readonly fence: EndpointFence;
  close(): Promise<void>;
}

/** Opens the fence `given`, on `opened` (a warm standby's connection to the engine) if given. */
export async function openFence(
  given: NonNullable<EndpointLaunchConfig['fence']>,
  opened?: Coordinator,
): Promise<OpenFence> {
  if (!/^\d{1,20}$/.test(given.token)) {
    await opened?.close().catch(() => undefined);
    throw new SpawnError(`the node sent a malformed fencing token '${given.token}'`);
  }
  let coordinator: Coordinator;
  try {
    coordinator = opened ?? (await openCoordinator(given.url));
  } catch (err) {
    throw new SpawnError(
      `cannot reach the coordination engine ${redactCoordinationUrl(given.url)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return {
    fence: {
      store: coordinator,
      key: given.key,
      token: BigInt(given.token),
      ...(given.ledger !== undefined && { ledger: given.ledger }),
    },
    close: () => coordinator.close(),
  };
}
