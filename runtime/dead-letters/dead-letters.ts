/**
 * `aes dlq`: list, show, replay and drop dead letters. `list` and `show` read through RabbitMQ's
 * management API when the broker has one (`browse-method.ts`, `management-browse.ts`). Otherwise,
 * and for `replay` and `drop` always, a call connects to the node's broker as a STOMP client,
 * browses the dead-letter queues (see `browse.ts`), acts on the selected letters and closes,
 * which gives every other message back to its queue unchanged.
 *
 * A replay publishes a letter to its original destination with its `aes-message-id`, waits for
 * the broker's receipt, and only then acks it off the dead-letter queue: interrupted at any point,
 * a letter is in the dead-letter queue, or republished, or both — never lost. Both is harmless,
 * since the inbound endpoint drops a second copy by that id.
 */
import { createTransport, MESSAGE_ID_HEADER, StompTransport } from '../../transports/index.js';
import type { Destination, Transport } from '../../transports/index.js';
import { deadLetterOf, type NodeConfig } from '../config/config.js';
import { findEndpoints } from '../node/endpoint-folder.js';
import { browseDeadLetters, type HeldDeadLetter } from './browse.js';
import { replayDestination, replayHeaders, type DeadLetter } from './dead-letter-message.js';
import { DEFAULT_DLQ_TIMEOUT_MS } from './defaults.js';
import { chooseBrowse, type BrowseMethod } from './browse-method.js';
import { browseWithManagement } from './management-browse.js';
import { DeadLetterError } from './errors.js';
import { hasCriterion, matches, type DeadLetterFilter } from './selection.js';

export { DEFAULT_DLQ_TIMEOUT_MS } from './defaults.js';

export interface DeadLetterOptions {
  /** The broker to reach, in place of the one the config names (e.g. with a login). */
  readonly brokerUrl?: string;
  /** Dead-letter queues to browse besides the endpoints' (e.g. a broker's `/queue/orders.dlq`). */
  readonly queues?: readonly string[];
  readonly filter?: DeadLetterFilter;
  readonly timeoutMs?: number;
  /** How `list` and `show` read (`replay` and `drop` always browse over STOMP). @defaultValue 'auto' */
  readonly browse?: BrowseMethod;
  /** RabbitMQ's management API, in place of `broker.managementUrl` and of the derived one. */
  readonly managementUrl?: string;
  /** Called with {@link DeadLetterList.notice} when there is one (`list` and `show`). */
  readonly onNotice?: (notice: string) => void;
  /** Time "now" for age filters (tests). */
  readonly nowMs?: number;
}

export interface DeadLetterList {
  /** The dead-letter queues browsed. */
  readonly queues: readonly Destination[];
  readonly letters: readonly DeadLetter[];
  /** Queues with more messages than one browse reads. */
  readonly truncated: readonly Destination[];
  /** How they were read. */
  readonly via: 'management' | 'stomp';
  /** Why RabbitMQ's management API was not used although it might have been; for the user. */
  readonly notice: string | undefined;
}

/** The dead letters of the node's endpoints (and `options.queues`) that match the filter. */
export async function listDeadLetters(
  config: NodeConfig,
  options: DeadLetterOptions = {},
): Promise<DeadLetterList> {
  const read = await readDeadLetters(config, options);
  const now = options.nowMs ?? Date.now();
  const filter = options.filter ?? {};
  return { ...read, letters: read.letters.filter((l) => matches(l, filter, now)) };
}

/** One dead letter by message id; `DeadLetterError` `DLQ_NOT_FOUND` when none has it. */
export async function showDeadLetter(
  config: NodeConfig,
  messageId: string,
  options: DeadLetterOptions = {},
): Promise<DeadLetter> {
  const read = await readDeadLetters(config, options);
  const found = read.letters.find((l) => l.messageId === messageId);
  if (found === undefined) throw notFound([messageId], read.queues);
  return found;
}

/** Every letter of the queues, read the way `chooseBrowse` picks. */
async function readDeadLetters(
  config: NodeConfig,
  options: DeadLetterOptions,
): Promise<DeadLetterList> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_DLQ_TIMEOUT_MS);
  const queues = await queuesOrThrow(config, options);
  const urls = dlqBrokerUrls(config, options.brokerUrl);
  const choice = await chooseBrowse(config, urls, {
    deadlineMs: deadline,
    brokerServer: () => brokerServer(urls, deadline),
    ...(options.browse === undefined ? {} : { browse: options.browse }),
    ...(options.managementUrl === undefined ? {} : { managementUrl: options.managementUrl }),
  });
  if (choice.via === 'stomp' && choice.notice !== undefined) options.onNotice?.(choice.notice);
  if (choice.via === 'management') {
    const { letters, truncated } = await browseWithManagement(choice.api, queues, deadline);
    return { queues, letters, truncated, via: 'management', notice: undefined };
  }
  return withBrowse(
    config,
    { ...options, timeoutMs: Math.max(1, deadline - Date.now()) },
    (held, _queues, truncated) => ({
      queues,
      letters: held.map((h) => h.letter),
      truncated,
      via: 'stomp' as const,
      notice: choice.notice,
    }),
  );
}

export interface DropOrReplayOptions extends DeadLetterOptions {
  /** Act on every dead letter: required when the filter names no criterion. */
  readonly all?: boolean;
}

/** Removes the selected dead letters; resolves to their message ids. */
export async function dropDeadLetters(
  config: NodeConfig,
  options: DropOrReplayOptions,
): Promise<string[]> {
  checkSelection('drop', options);
  return withBrowse(config, options, (held, queues) => {
    const chosen = chosenOrThrow(held, queues, options);
    for (const h of chosen) h.remove();
    return chosen.map((h) => h.letter.messageId);
  });
}

/**
 * Publishes each selected dead letter back to its original destination, keeping its message id,
 * and removes it from its dead-letter queue once the broker confirmed that publish. Checks every
 * selected letter first: one without an original destination fails the call before any change.
 */
export async function replayDeadLetters(
  config: NodeConfig,
  options: DropOrReplayOptions,
): Promise<{ readonly messageId: string; readonly destination: Destination }[]> {
  checkSelection('replay', options);
  return withBrowse(config, options, async (held, queues, _truncated, transport, deadline) => {
    const chosen = chosenOrThrow(held, queues, options);
    const plan = chosen.map((h) => ({ held: h, destination: replayDestination(h.letter) }));
    const lost = plan.filter((p) => p.destination === undefined).map((p) => p.held.letter);
    if (lost.length > 0) {
      throw new DeadLetterError(
        'DLQ_NO_ORIGIN',
        `cannot replay ${lost.map((l) => `'${l.messageId}'`).join(', ')}: no usable original destination in its headers (aes-dead-letter-from or x-original-destination${lost[0]?.originalDestination === undefined ? '' : `, found '${lost[0].originalDestination}'`}); nothing was replayed`,
      );
    }
    const done: { messageId: string; destination: Destination }[] = [];
    for (const { held: h, destination } of plan) {
      const to = destination as Destination;
      const id = h.letter.headers[MESSAGE_ID_HEADER];
      await transport.publish(to, h.letter.body, {
        headers: replayHeaders(h.letter),
        ...(id === undefined ? {} : { messageId: id }),
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      h.remove();
      done.push({ messageId: h.letter.messageId, destination: to });
    }
    return done;
  });
}

/** The dead-letter queues of every endpoint in the config's endpoints folder, and `extra`. */
export async function deadLetterQueues(
  config: NodeConfig,
  extra: readonly string[] = [],
): Promise<Destination[]> {
  const entries = await findEndpoints(config.endpoints.folder, config.file);
  const queues = new Set<Destination>(entries.map((e) => deadLetterOf(config, e.name)));
  for (const q of extra) {
    const name = q.startsWith('/') ? q : `/queue/${q}`;
    if (!name.startsWith('/queue/')) {
      throw new DeadLetterError('DLQ_BAD_FILTER', `--dlq '${q}': a dead-letter queue is /queue/…`);
    }
    queues.add(name as Destination);
  }
  return [...queues].sort();
}

/** The broker URLs `aes dlq` connects to: the override, else the config's broker. */
export function dlqBrokerUrls(config: NodeConfig, override?: string): readonly string[] {
  if (override !== undefined) return [override];
  const broker = config.broker;
  if (broker.kind === 'external') return broker.urls;
  if (broker.port === 0) {
    throw new DeadLetterError(
      'DLQ_NO_BROKER',
      `${config.file}: broker.embedded.port is 0 (a port picked at start), so its address is not known here; pass --broker-url`,
    );
  }
  const host = broker.host === '0.0.0.0' || broker.host === '::' ? '127.0.0.1' : broker.host;
  const hostPort = host.includes(':') ? `[${host}]:${broker.port}` : `${host}:${broker.port}`;
  return [`${broker.tls === undefined ? 'stomp' : 'stomp+ssl'}://${hostPort}`];
}

type BrowseBody<T> = (
  held: readonly HeldDeadLetter[],
  queues: readonly Destination[],
  truncated: readonly Destination[],
  transport: Transport,
  deadlineMs: number,
) => T | Promise<T>;

async function withBrowse<T>(
  config: NodeConfig,
  options: DeadLetterOptions,
  body: BrowseBody<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DLQ_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const queues = await queuesOrThrow(config, options);
  const transport = createTransport(dlqBrokerUrls(config, options.brokerUrl), {
    connectTimeoutMs: timeoutMs,
    publishTimeoutMs: timeoutMs,
  });
  try {
    await transport.connect({ timeoutMs });
    const { held, truncated } = await browseDeadLetters(transport, queues, {
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    return await body(held, queues, truncated, transport, deadline);
  } finally {
    // `remove()` settles a handler; its ACK is written a few promise jobs later. Let them run
    // (on failure too: a replay cut short keeps what it confirmed) before the DISCONNECT, which
    // the broker handles after every ACK sent before it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // DISCONNECT after the acks: what was not removed goes back to its queue.
    await transport.close();
  }
}

/** The `server` header of the broker's CONNECTED frame; undefined when it sends none. */
async function brokerServer(
  urls: readonly string[],
  deadline: number,
): Promise<string | undefined> {
  const timeoutMs = Math.max(1, deadline - Date.now());
  const transport = createTransport(urls, { connectTimeoutMs: timeoutMs });
  try {
    await transport.connect({ timeoutMs });
    return transport instanceof StompTransport ? transport.server?.server : undefined;
  } finally {
    await transport.close();
  }
}

async function queuesOrThrow(
  config: NodeConfig,
  options: DeadLetterOptions,
): Promise<Destination[]> {
  const queues = await deadLetterQueues(config, options.queues);
  if (queues.length === 0) {
    throw new DeadLetterError(
      'DLQ_NO_SELECTION',
      `${config.file}: no endpoint in ${config.endpoints.folder} and no --dlq given: no dead-letter queue to read`,
    );
  }
  return queues;
}

function selected(held: readonly HeldDeadLetter[], options: DeadLetterOptions): HeldDeadLetter[] {
  const now = options.nowMs ?? Date.now();
  const filter = options.filter ?? {};
  return held.filter((h) => matches(h.letter, filter, now));
}

function checkSelection(verb: 'drop' | 'replay', options: DropOrReplayOptions): void {
  if (options.all === true || hasCriterion(options.filter ?? {})) return;
  throw new DeadLetterError(
    'DLQ_NO_SELECTION',
    `${verb}: name message ids or a filter (--endpoint, --queue, --older-than, --newer-than), or pass --all; nothing was changed`,
  );
}

/** The selected letters; every message id asked for by name must be among them. */
function chosenOrThrow(
  held: readonly HeldDeadLetter[],
  queues: readonly Destination[],
  options: DeadLetterOptions,
): HeldDeadLetter[] {
  const chosen = selected(held, options);
  const ids = options.filter?.messageIds ?? [];
  const missing = ids.filter((id) => !chosen.some((h) => h.letter.messageId === id));
  if (missing.length > 0) throw notFound(missing, queues);
  return chosen;
}

function notFound(ids: readonly string[], queues: readonly Destination[]): DeadLetterError {
  return new DeadLetterError(
    'DLQ_NOT_FOUND',
    `no dead letter with message id ${ids.map((id) => `'${id}'`).join(', ')} (matching the filters) in ${queues.join(', ')}; nothing was changed`,
  );
}
