/**
 * One-shot operations behind `aes post`, `aes call` and `aes ping`: connect with ClientLite,
 * do one thing, close. Options come from flags or the environment (`AES_CLUSTER_ADDRESS`,
 * `AES_CLUSTER_SECRET`, `AES_CLUSTER_SECRET_FILE`, `AES_CLUSTER_CA`, `AES_CLUSTER_CERT`,
 * `AES_CLUSTER_KEY`).
 */
import { readFileSync } from 'node:fs';
import { ClientLite, type ClientLiteOptions } from './client-lite.js';
import { RemoteError, UsageError } from './errors.js';
import { parseAddress } from './address.js';
import { parseStateSpec } from './specifier.js';

export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

/** What a command line gives (all optional; the environment fills the gaps). */
export interface ClientFlags {
  readonly address?: string;
  readonly secret?: string;
  readonly secretFile?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly timeoutMs?: number;
}

function readFile(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(
      'BAD_OPTIONS',
      `${what}: cannot read '${path}': ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Resolves flags and environment into ClientLite options; names what is missing or wrong. */
export function clientOptionsFrom(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv = process.env,
): ClientLiteOptions {
  const address = flags.address ?? env.AES_CLUSTER_ADDRESS;
  if (address === undefined || address === '') {
    throw new UsageError(
      'BAD_OPTIONS',
      'no kernel address: pass --address or set AES_CLUSTER_ADDRESS (e.g. tcp://127.0.0.1:7100)',
    );
  }
  parseAddress(address);
  const secretFile = flags.secretFile ?? env.AES_CLUSTER_SECRET_FILE;
  const secret =
    flags.secret ??
    (secretFile !== undefined && secretFile !== ''
      ? readFile('--secret-file', secretFile).toString('utf8').trim()
      : env.AES_CLUSTER_SECRET);
  const ca = flags.ca ?? env.AES_CLUSTER_CA;
  const cert = flags.cert ?? env.AES_CLUSTER_CERT;
  const key = flags.key ?? env.AES_CLUSTER_KEY;
  const tls = {
    ...(ca ? { ca: readFile('--ca', ca) } : {}),
    ...(cert ? { cert: readFile('--cert', cert) } : {}),
    ...(key ? { key: readFile('--key', key) } : {}),
  };
  return {
    address,
    ...(secret === undefined || secret === '' ? {} : { secret }),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    timeoutMs: flags.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
    callTimeoutMs: flags.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
  };
}

/** Parses a command-line JSON argument (absent = null). */
export function parseJsonArgument(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError('BAD_OPTIONS', `argument is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function withClient<T>(
  flags: ClientFlags,
  use: (client: ClientLite) => Promise<T>,
): Promise<T> {
  const client = await ClientLite.connect(clientOptionsFrom(flags));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/**
 * Posts one event and waits until the kernel has read it; a refusal it reports (state not
 * published, not allowed) becomes a `RemoteError`.
 */
export async function postOnce(spec: string, args: unknown, flags: ClientFlags): Promise<void> {
  parseStateSpec(spec, CHECK_ONLY);
  await withClient(flags, async (client) => {
    const target = parseStateSpec(spec, client.server.name);
    let refusal: RemoteError | undefined;
    const stop = client.monitor({
      error: (e) => {
        if (
          e.side === 'remote' &&
          e.op === 'post' &&
          e.ref === `${target.session}/${target.state}`
        ) {
          refusal ??= new RemoteError(client.server.name, e.code, e.message);
        }
      },
    });
    client.post(target, args);
    // The post leaves on this tick; a ping sent after it is answered after the kernel handled it
    // (and after any error it reports about it).
    await new Promise((resolve) => setImmediate(resolve));
    await client.ping({ timeoutMs: flags.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS });
    stop();
    if (refusal !== undefined) throw refusal;
  });
}

/** Calls one state and resolves with its result. */
export function callOnce(spec: string, args: unknown, flags: ClientFlags): Promise<unknown> {
  parseStateSpec(spec, CHECK_ONLY);
  return withClient(flags, (client) => client.call(parseStateSpec(spec, client.server.name), args));
}

/**
 * A stand-in default kernel, to check a specifier before connecting: a blank kernel
 * (`poe:/session/state`) means the kernel the command connects to, known only once connected.
 */
const CHECK_ONLY = 'connected-kernel';

/** Pings the kernel; resolves with its name and the round trip in milliseconds. */
export function pingOnce(
  flags: ClientFlags,
): Promise<{ kernel: string; reply: 'PONG'; ms: number }> {
  return withClient(flags, async (client) => {
    const start = process.hrtime.bigint();
    const reply = await client.ping({ timeoutMs: flags.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS });
    return { kernel: client.server.name, reply, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  });
}
