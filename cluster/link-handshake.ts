/**
 * The handshake of one link, both roles: version choice, the peer's admission, and the mutual
 * HMAC challenge-response (or a verified TLS certificate). The link supplies I/O and outcomes
 * through `HandshakeSide`.
 */
import { HandshakeError, ProtocolError, type ClusterError } from './errors.js';
import { encodeFrame } from './frame-codec.js';
import {
  chooseVersion,
  computeProof,
  createNonce,
  verifyProof,
  type ProofInput,
} from './handshake.js';
import type { HandshakeHost, LinkDirection, PeerIdentity } from './link-types.js';
import {
  FrameType,
  SUPPORTED_VERSIONS,
  type ErrorMessage,
  type HelloMessage,
  type Message,
  type WelcomeMessage,
} from './messages.js';
import { encodeAuth, encodeHello, encodeWelcome } from './message-encoding.js';

/** What the handshake needs from its link. */
export interface HandshakeSide {
  readonly host: HandshakeHost;
  readonly direction: LinkDirection;
  readonly label: string;
  /** The peer is on this host (a Unix socket or loopback link): it may be told host-local addresses. */
  sameHost(): boolean;
  /** TLS alone authenticates the peer as `name` (true), does not apply (false), or refuses it. */
  tlsAuthenticates(name: string): boolean | ClusterError;
  /** A promise while the kernel probes the old link of a namesake (stale-link.ts). */
  admit(hello: HelloMessage): ClusterError | undefined | Promise<ClusterError | undefined>;
  /** The link is still in its handshake (not closed while an admission was pending). */
  handshaking(): boolean;
  sendControl(frame: Buffer): void;
  ready(peer: PeerIdentity): void;
  fail(error: ClusterError): void;
  refused(message: ErrorMessage): void;
}

export class LinkHandshake {
  readonly nonce = createNonce();
  /** The peer's HELLO (inbound), once received. */
  hello: HelloMessage | undefined;
  readonly #side: HandshakeSide;
  #proofInput: ProofInput | undefined;

  constructor(side: HandshakeSide) {
    this.#side = side;
  }

  /** The HELLO frame an outbound link opens with. */
  helloFrame(): Buffer {
    const host = this.#side.host;
    return encodeFrame(
      FrameType.HELLO,
      encodeHello({
        versions: SUPPORTED_VERSIONS,
        name: host.name,
        aliases: host.aliases,
        role: host.role,
        nonce: this.nonce,
        listen: host.listenAddresses(this.#side.sameHost()),
        incarnation: host.incarnation,
        resume: host.callMemoryMs,
      }),
    );
  }

  /** Handles one handshake message (HELLO, AUTH or ERROR inbound; WELCOME or ERROR outbound). */
  onMessage(message: Message): void {
    if (this.#side.direction === 'inbound') {
      if (this.hello === undefined && message.kind === 'hello') this.#onHello(message);
      // AUTH answers our WELCOME: one sent early (while admission is pending) is refused.
      else if (this.#proofInput !== undefined && message.kind === 'auth')
        this.#onAuth(message.proof);
      else if (message.kind === 'error') this.#side.refused(message);
      else
        this.#side.fail(
          new ProtocolError(
            'BAD_MESSAGE',
            `expected ${this.hello === undefined ? 'HELLO' : this.#proofInput === undefined ? 'nothing before WELCOME' : 'AUTH'}, got ${message.kind}`,
          ),
        );
      return;
    }
    if (message.kind === 'welcome') this.#onWelcome(message);
    else if (message.kind === 'error') this.#side.refused(message);
    else this.#side.fail(new ProtocolError('BAD_MESSAGE', `expected WELCOME, got ${message.kind}`));
  }

  #onHello(hello: HelloMessage): void {
    this.hello = hello;
    const version = chooseVersion(hello.versions, SUPPORTED_VERSIONS);
    if (version === undefined) {
      this.#side.fail(
        new HandshakeError(
          'UNSUPPORTED_VERSION',
          `peer offers versions ${hello.versions.join(', ')}; this kernel speaks ${SUPPORTED_VERSIONS.join(', ')}`,
        ),
      );
      return;
    }
    const admission = this.#side.admit(hello);
    if (admission instanceof Promise) {
      // The handshake timeout still runs; nothing else is read until WELCOME is sent.
      void admission.then((refusal) => {
        if (this.#side.handshaking()) this.#admitted(hello, version, refusal);
      });
    } else this.#admitted(hello, version, admission);
  }

  #admitted(hello: HelloMessage, version: number, refusal: ClusterError | undefined): void {
    if (refusal !== undefined) {
      this.#side.fail(refusal);
      return;
    }
    const secret = this.#side.host.secretFor(hello.name);
    if (secret === undefined && !this.#side.host.allowUnauthenticated) {
      const tls = this.#side.tlsAuthenticates(hello.name);
      if (tls !== true) {
        this.#side.fail(
          tls === false
            ? new HandshakeError('AUTH_FAILED', `no secret for kernel '${hello.name}'`)
            : tls,
        );
        return;
      }
    }
    this.#proofInput = {
      version,
      clientName: hello.name,
      serverName: this.#side.host.name,
      clientNonce: hello.nonce,
      serverNonce: this.nonce,
    };
    this.#side.sendControl(
      encodeFrame(
        FrameType.WELCOME,
        encodeWelcome({
          version,
          name: this.#side.host.name,
          aliases: this.#side.host.aliases,
          nonce: this.nonce,
          proof: secret === undefined ? null : computeProof(secret, 'server', this.#proofInput),
          listen: this.#side.host.listenAddresses(this.#side.sameHost()),
          incarnation: this.#side.host.incarnation,
          resume: this.#side.host.callMemoryMs,
        }),
      ),
    );
  }

  #onAuth(proof: string | null): void {
    const hello = this.hello as HelloMessage;
    const input = this.#proofInput as ProofInput;
    const secret = this.#side.host.secretFor(hello.name);
    let authenticated: PeerIdentity['authenticated'];
    if (secret !== undefined) {
      if (proof === null || !verifyProof(secret, 'client', input, proof)) {
        this.#side.fail(
          new HandshakeError(
            'AUTH_FAILED',
            `kernel '${hello.name}' failed to prove the shared secret`,
          ),
        );
        return;
      }
      authenticated = 'hmac';
    } else authenticated = this.#side.tlsAuthenticates(hello.name) === true ? 'tls' : 'none';
    this.#side.ready({
      name: hello.name,
      aliases: hello.aliases,
      role: hello.role,
      listen: hello.listen,
      incarnation: hello.incarnation,
      version: input.version,
      authenticated,
      resume: hello.resume,
    });
  }

  #onWelcome(welcome: WelcomeMessage): void {
    if (!SUPPORTED_VERSIONS.includes(welcome.version)) {
      this.#side.fail(
        new HandshakeError('UNSUPPORTED_VERSION', `server chose version ${welcome.version}`),
      );
      return;
    }
    const input: ProofInput = {
      version: welcome.version,
      clientName: this.#side.host.name,
      serverName: welcome.name,
      clientNonce: this.nonce,
      serverNonce: welcome.nonce,
    };
    const secret = this.#side.host.secretFor(welcome.name);
    let authenticated: PeerIdentity['authenticated'];
    if (secret !== undefined) {
      if (welcome.proof === null || !verifyProof(secret, 'server', input, welcome.proof)) {
        this.#side.fail(
          new HandshakeError(
            'AUTH_FAILED',
            `kernel '${welcome.name}' at ${this.#side.label} does not share our secret (wrong secret on one side)`,
          ),
        );
        return;
      }
      authenticated = 'hmac';
    } else {
      const tls = this.#side.tlsAuthenticates(welcome.name);
      if (tls === true) authenticated = 'tls';
      else if (this.#side.host.allowUnauthenticated) authenticated = 'none';
      else {
        this.#side.fail(
          tls === false
            ? new HandshakeError('AUTH_FAILED', `no secret for kernel '${welcome.name}'`)
            : tls,
        );
        return;
      }
    }
    this.#side.sendControl(
      encodeFrame(
        FrameType.AUTH,
        encodeAuth(secret === undefined ? null : computeProof(secret, 'client', input)),
      ),
    );
    this.#side.ready({
      name: welcome.name,
      aliases: welcome.aliases,
      role: 'kernel',
      listen: welcome.listen,
      incarnation: welcome.incarnation,
      version: welcome.version,
      authenticated,
      resume: welcome.resume,
    });
  }
}
