/** A hand-driven protocol peer for tests: sends raw bytes or well-formed frames, records frames. */
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder, encodeFrame, type Frame } from '../../../cluster/frame-codec.js';
import { computeProof, createNonce } from '../../../cluster/handshake.js';
import { FrameType, type Message } from '../../../cluster/messages.js';
import { encodeAuth, encodeHello } from '../../../cluster/message-encoding.js';
import { decodeMessage } from '../../../cluster/message-decoding.js';
import { parseAddress } from '../../../cluster/address.js';

export class RawPeer {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  readonly #decoder = new FrameDecoder();
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#decoder.push(chunk))
          this.frames.push({ type: f.type, body: Buffer.from(f.body) });
      } catch {
        // the test looks at what arrived
      }
    });
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static async connect(address: string): Promise<RawPeer> {
    const a = parseAddress(address);
    if (a.kind !== 'tcp') throw new Error('RawPeer speaks plain TCP only');
    const socket = createConnection({ host: a.host, port: a.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  messages(): Message[] {
    return this.frames.map((f) => decodeMessage(f.type, f.body));
  }

  async waitFor(pred: (m: Message) => boolean, timeoutMs = 5_000): Promise<Message> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages().find(pred);
      if (found !== undefined) return found;
      if (Date.now() > until)
        throw new Error(
          `RawPeer: no matching frame within ${timeoutMs} ms (got ${this.messages()
            .map((m) => m.kind)
            .join(',')})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await Promise.race([
      this.closedPromise,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`RawPeer: still open after ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
  }

  /** Completes a client handshake as kernel `name`; resolves when AUTH is sent. */
  async handshake(name: string, secret: string): Promise<void> {
    const nonce = createNonce();
    this.write(
      encodeFrame(
        FrameType.HELLO,
        encodeHello({
          versions: [1],
          name,
          aliases: [],
          role: 'kernel',
          nonce,
          listen: [],
          incarnation: `raw-${name}`,
        }),
      ),
    );
    const welcome = await this.waitFor((m) => m.kind === 'welcome' || m.kind === 'error');
    if (welcome.kind !== 'welcome')
      throw new Error(`handshake refused: ${JSON.stringify(welcome)}`);
    const input = {
      version: welcome.version,
      clientName: name,
      serverName: welcome.name,
      clientNonce: nonce,
      serverNonce: welcome.nonce,
    };
    this.write(encodeFrame(FrameType.AUTH, encodeAuth(computeProof(secret, 'client', input))));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
