/**
 * The line on stderr that says a WSDL fetch is still waiting: a server that accepts the connection
 * and never answers would otherwise leave the command silent until its deadline. Nothing is
 * written for a fetch that ends within `FETCH_PROGRESS_AFTER_MS`. On a terminal the line is
 * rewritten in place each second and erased when the fetch ends; elsewhere (a log, a pipe) it is
 * written once, then again every `FETCH_PROGRESS_REPEAT_MS`.
 */
import type { FetchListener } from '../wsdl/index.js';

/** How long a fetch runs before its progress line appears. */
export const FETCH_PROGRESS_AFTER_MS = 1_000;
/** How often the line is repeated when stderr is not a terminal. */
export const FETCH_PROGRESS_REPEAT_MS = 10_000;
/** How often the line is rewritten on a terminal. */
const TTY_UPDATE_MS = 1_000;

/** Where the line goes: stderr, or a stream in its place. */
export interface FetchProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class FetchProgress implements FetchListener {
  readonly #out: FetchProgressOutput;
  readonly #tty: boolean;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The URL whose line is on the terminal now, to erase when its fetch ends. */
  #shown: string | undefined;

  constructor(out: FetchProgressOutput = process.stderr) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  fetchStarted(url: string): void {
    const started = performance.now();
    const show = (): void => {
      const seconds = Math.round((performance.now() - started) / 1_000);
      const line = `aes: fetching ${url} (${seconds} s)`;
      if (this.#tty) {
        this.#out.write(`\r\x1b[K${line}`);
        this.#shown = url;
      } else {
        this.#out.write(`${line}\n`);
      }
      const next = setTimeout(show, this.#tty ? TTY_UPDATE_MS : FETCH_PROGRESS_REPEAT_MS);
      // The fetch keeps the process alive; its progress line never does.
      next.unref();
      this.#timers.set(url, next);
    };
    const first = setTimeout(show, FETCH_PROGRESS_AFTER_MS);
    first.unref();
    this.#timers.set(url, first);
  }

  fetchEnded(url: string): void {
    clearTimeout(this.#timers.get(url));
    this.#timers.delete(url);
    if (this.#shown === url) {
      this.#out.write('\r\x1b[K');
      this.#shown = undefined;
    }
  }

  /** Stops every line still pending (the command ended); idempotent. */
  close(): void {
    for (const url of [...this.#timers.keys()]) this.fetchEnded(url);
  }
}
