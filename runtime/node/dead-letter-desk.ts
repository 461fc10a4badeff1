/**
 * The node's dead letters over HTTP (`/dead-letters.json` and the status page's replay and drop
 * buttons), done with `aes dlq`'s own functions (runtime/dead-letters/) against the node's
 * broker. Replay keeps each message id and acks the dead letter only after the broker's receipt
 * of the republished copy, as `aes dlq replay` does.
 *
 * A browse holds the letters it reads, so two at once would hide letters from each other: every
 * call here runs one after the other, and concurrent list requests share one browse. After a
 * replay or drop, a second browse checks that the broker really removed what was acked (an ACK has
 * no receipt of its own); a letter still there is answered with 503, never reported as done.
 */
import {
  dropDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  DeadLetterError,
  type DeadLetterFilter,
  type DeadLetterOptions,
} from '../dead-letters/index.js';
import { deadLetteredAtMs } from '../dead-letters/dead-letter-message.js';
import { deadLetterOf, type NodeConfig } from '../config/config.js';
import { redactUrl, TransportError } from '../../transports/index.js';
import { findEndpoints } from './endpoint-folder.js';
import {
  HttpStatusError,
  type DeadLetterAction,
  type DeadLetterHost,
  type DeadLetterTarget,
} from './http-server.js';
import {
  summarizeDeadLetters,
  type DeadLetterSummary,
  type EndpointQueue,
} from './dead-letter-summary.js';

/** Deadline of one browse (connect, read, republish) for an HTTP request. */
export const DEFAULT_DEAD_LETTER_HTTP_TIMEOUT_MS = 10_000;

export interface DeadLetterDeskOptions {
  /** @defaultValue DEFAULT_DEAD_LETTER_HTTP_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

export class DeadLetterDesk implements DeadLetterHost {
  private tail: Promise<unknown> = Promise.resolve();
  private listing: Promise<DeadLetterSummary> | undefined;

  /**
   * @param node - this node's name
   * @param config - the config in force (its endpoints change with reloads)
   * @param brokerUrls - the URLs the node's endpoints use (the embedded broker's carries the
   *   node's login)
   */
  constructor(
    private readonly node: string,
    private readonly config: () => NodeConfig,
    private readonly brokerUrls: readonly string[],
    private readonly options: DeadLetterDeskOptions = {},
  ) {}

  list(): Promise<DeadLetterSummary> {
    this.listing ??= this.serial(() => this.read()).finally(() => (this.listing = undefined));
    return this.listing;
  }

  act(action: DeadLetterAction, target: DeadLetterTarget): Promise<unknown> {
    return this.serial(async () => {
      const config = this.config();
      const filter = await this.filterOf(config, target);
      const options = { ...this.browseOptions(config), filter };
      const startedAt = Date.now();
      if (action === 'drop') {
        const dropped = await this.call(() => dropDeadLetters(config, options));
        await this.confirmRemoved(config, dropped, startedAt);
        return { dropped };
      }
      const replayed = await this.call(() => replayDeadLetters(config, options));
      await this.confirmRemoved(
        config,
        replayed.map((r) => r.messageId),
        startedAt,
      );
      return { replayed };
    });
  }

  private async read(): Promise<DeadLetterSummary> {
    const config = this.config();
    const endpoints = await endpointQueues(config);
    if (endpoints.length === 0) return { node: this.node, endpoints: [] };
    const list = await this.call(() => listDeadLetters(config, this.browseOptions(config)));
    return {
      ...summarizeDeadLetters(this.node, endpoints, list.letters, list.truncated, Date.now()),
      via: list.via,
      ...(list.notice === undefined ? {} : { notice: list.notice }),
    };
  }

  private async filterOf(config: NodeConfig, target: DeadLetterTarget): Promise<DeadLetterFilter> {
    if ('messageId' in target) return { messageIds: [target.messageId] };
    const endpoints = await endpointQueues(config);
    const found = endpoints.find((e) => e.endpoint === target.endpoint);
    if (found === undefined) {
      throw new HttpStatusError(
        404,
        `no endpoint '${target.endpoint}' on node ${this.node} (its endpoints: ${endpoints.map((e) => e.endpoint).join(', ') || 'none'})`,
      );
    }
    // A queue shared with other endpoints: only the letters this endpoint dead-lettered.
    const shared = endpoints.filter((e) => e.queue === found.queue).length > 1;
    return { deadLetterQueue: found.queue, ...(shared ? { endpoint: found.endpoint } : {}) };
  }

  /**
   * Browses again: a letter acted on is still there when it has one of `ids` and was
   * dead-lettered before `startedAt` (a replayed letter that failed again is a new dead letter).
   */
  private async confirmRemoved(config: NodeConfig, ids: readonly string[], startedAt: number) {
    if (ids.length === 0) return;
    const left = await this.call(() =>
      listDeadLetters(config, { ...this.browseOptions(config), filter: { messageIds: ids } }),
    ).catch((err: unknown) => {
      if (!(err instanceof HttpStatusError)) throw err;
      throw new HttpStatusError(
        err.status,
        `${ids.map((id) => `'${id}'`).join(', ')} acted on, but the check that the broker removed it failed: ${err.message}; read the dead letters again`,
        { cause: err },
      );
    });
    const still = left.letters.filter((l) => (deadLetteredAtMs(l) ?? 0) < startedAt);
    if (still.length === 0) return;
    throw new HttpStatusError(
      503,
      `the broker ${this.brokerName(config)} has not removed ${still.map((l) => `'${l.messageId}' from ${l.deadLetterQueue}`).join(', ')}: still listed; try again (a replayed copy carries its message id, so the target takes it once)`,
    );
  }

  private browseOptions(config: NodeConfig): DeadLetterOptions {
    const url = this.brokerUrl(config);
    return {
      timeoutMs: this.options.timeoutMs ?? DEFAULT_DEAD_LETTER_HTTP_TIMEOUT_MS,
      ...(url === undefined ? {} : { brokerUrl: url }),
    };
  }

  /** The embedded broker: the node's own URL (its port may be picked at start). */
  private brokerUrl(config: NodeConfig): string | undefined {
    return config.broker.kind === 'embedded' ? this.brokerUrls[0] : undefined;
  }

  private brokerName(config: NodeConfig): string {
    const urls = config.broker.kind === 'embedded' ? this.brokerUrls : config.broker.urls;
    return urls.map((u) => redactUrl(u)).join(', ');
  }

  /** Runs `f` after every call before it (settled either way). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.tail.then(f, f);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** `aes dlq`'s typed errors as HTTP answers; the broker out of reach is a 503 naming it. */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      if (err instanceof TransportError) {
        const broker = this.brokerName(this.config());
        // Out of reach (or gone mid-way): 503. It refused something (a login, a publish): 502.
        throw UNREACHABLE.has(err.code)
          ? new HttpStatusError(503, `broker ${broker} unreachable: ${err.message}`, { cause: err })
          : new HttpStatusError(502, `broker ${broker}: ${err.message}`, { cause: err });
      }
      if (err instanceof DeadLetterError) {
        throw new HttpStatusError(DEAD_LETTER_STATUS[err.code], err.message, { cause: err });
      }
      throw err;
    }
  }
}

const UNREACHABLE: ReadonlySet<TransportError['code']> = new Set([
  'TRANSPORT_CONNECT_FAILED',
  'TRANSPORT_TIMEOUT',
  'TRANSPORT_CONNECTION_LOST',
  'TRANSPORT_CLOSED',
  'TRANSPORT_NOT_CONNECTED',
]);

const DEAD_LETTER_STATUS: Readonly<Record<DeadLetterError['code'], number>> = {
  DLQ_NOT_FOUND: 404,
  DLQ_NO_ORIGIN: 409,
  DLQ_NO_SELECTION: 404,
  DLQ_BAD_FILTER: 400,
  DLQ_NO_BROKER: 503,
  DLQ_NO_MANAGEMENT: 503,
};

/** The endpoints of the config's folder and the dead-letter queue of each. */
async function endpointQueues(config: NodeConfig): Promise<EndpointQueue[]> {
  const entries = await findEndpoints(config.endpoints.folder, config.file);
  return entries.map((e) => ({ endpoint: e.name, queue: deadLetterOf(config, e.name) }));
}
