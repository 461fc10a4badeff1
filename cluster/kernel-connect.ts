/**
 * Opening an outgoing link for the kernel: the socket, the handshake under a deadline, and, for
 * membership's redials, a shorter limit on the connection itself. A dial that reaches the kernel
 * itself — its own listener receives a HELLO with its own incarnation — is told apart from a
 * real name clash by the HELLO's nonce and rejects with `SelfDialError`.
 */
import { parseAddress } from './address.js';
import { dial } from './dial.js';
import {
  CALL_DEADLINE_ERRORS,
  CallError,
  ClusterError,
  HandshakeError,
  SelfDialError,
} from './errors.js';
import { Link, type LinkHost } from './link.js';
import type { HelloMessage } from './messages.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type ClusterTlsOptions } from './options.js';
import type { KernelWaitOptions } from './kernel-types.js';
import { withDeadline } from '../util/index.js';

/** Nonces of the HELLOs this kernel's own dials sent to its own listeners. */
export class SelfDials {
  readonly #nonces = new Set<string>();
  readonly #refusals = new WeakSet<ClusterError>();

  /** The refusal of our own HELLO; remembers its nonce for the dialing side. */
  refuse(hello: HelloMessage): ClusterError {
    if (this.#nonces.size >= 64) this.#nonces.clear(); // dials that gave up before the answer
    this.#nonces.add(hello.nonce);
    const refusal = new HandshakeError('NAME_TAKEN', `'${hello.name}' dialed itself`);
    this.#refusals.add(refusal);
    return refusal;
  }

  /** The handshake of `link` failed with `error` because it was a dial of this kernel itself. */
  involves(link: Link, error: ClusterError): boolean {
    return this.#refusals.has(error) || this.#nonces.has(link.handshakeNonce);
  }

  /** Whether the HELLO with this nonce came back to us (forgetting it). */
  consume(nonce: string): boolean {
    return this.#nonces.delete(nonce);
  }
}

export interface ConnectHost {
  readonly name: string;
  readonly tls: ClusterTlsOptions | undefined;
  readonly linkHost: LinkHost;
  readonly selfDials: SelfDials;
  /** Keeps the new link among the kernel's links. */
  adopt(link: Link): Link;
}

/**
 * Connects to `address` and resolves with the ready link. `socketTimeoutMs` limits the wait for
 * the connection itself (TCP, and TLS), within the whole deadline `options.timeoutMs`.
 */
export async function connectLink(
  host: ConnectHost,
  address: string,
  options: KernelWaitOptions,
  socketTimeoutMs?: number,
): Promise<Link> {
  const parsed = parseAddress(address);
  const { socket, connectEvent, reads } = dial(parsed, host.tls);
  const link = host.adopt(
    new Link(host.linkHost, socket, 'outbound', address, parsed.kind === 'tls', reads),
  );
  socket.once(connectEvent, () => link.start());
  let socketTimer: NodeJS.Timeout | undefined;
  if (socketTimeoutMs !== undefined) {
    socketTimer = setTimeout(() => {
      if (link.state !== 'connecting') return;
      link.destroy(
        new CallError(
          'TIMEOUT',
          `connect to ${address}: no connection within ${socketTimeoutMs} ms`,
        ),
      );
    }, socketTimeoutMs);
    socketTimer.unref();
  }
  const deadline = {
    operation: `connect to ${address}`,
    timeoutMs: options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    signal: options.signal,
    errors: CALL_DEADLINE_ERRORS,
  };
  try {
    await withDeadline(deadline, (signal) => {
      signal.addEventListener(
        'abort',
        () => link.destroy(new CallError('TIMEOUT', `connect to ${address} gave up`)),
        { once: true },
      );
      return link.ready;
    });
  } catch (err) {
    if (
      err instanceof ClusterError &&
      err.code === 'NAME_TAKEN' &&
      host.selfDials.consume(link.handshakeNonce)
    ) {
      throw new SelfDialError(address, host.name);
    }
    throw err;
  } finally {
    clearTimeout(socketTimer);
  }
  return link;
}
