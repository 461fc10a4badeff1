/**
 * Progress while records flow: on a terminal one line redrawn in place, elsewhere (a pipe, a log,
 * CI) one line every `DEMO_PROGRESS_LINE_MS`, so a log is not flooded.
 */
import type { DemoTally } from './tally.js';

/** Between two progress lines when the output is not a terminal. */
export const DEMO_PROGRESS_LINE_MS = 2_000;

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export class Progress {
  private lastLineAt = 0;
  private live = false;
  private readonly startedAt: number;
  /** When the first record left the source: the rate leaves the start-up out. */
  private flowingAt: number | undefined;

  constructor(
    private readonly out: ProgressOutput,
    private readonly records: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Seconds since the progress started. */
  elapsedS(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  line(t: DemoTally): string {
    const elapsed = this.elapsedS();
    if (this.flowingAt === undefined && t.popped + t.delivered > 0) this.flowingAt = this.now();
    const flowingS = this.flowingAt === undefined ? 0 : (this.now() - this.flowingAt) / 1000;
    // A rate over less than a second says little.
    const rate = flowingS >= 1 ? `, ${Math.round(t.delivered / flowingS)} records/s` : '';
    if (this.flowingAt === undefined) {
      return `  0/${this.records} popped, waiting for the endpoints to start, ${elapsed.toFixed(1)} s`;
    }
    const pct = Math.floor((100 * t.delivered) / this.records);
    return `  ${t.popped}/${this.records} popped, ${t.delivered} delivered (${pct}%)${rate}, ${elapsed.toFixed(1)} s`;
  }

  update(t: DemoTally): void {
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[2K${this.line(t)}`);
      this.live = true;
      return;
    }
    const at = this.now();
    if (at - this.lastLineAt < DEMO_PROGRESS_LINE_MS) return;
    this.lastLineAt = at;
    this.out.write(`${this.line(t)}\n`);
  }

  /** Ends the live line (if any) with the final figures, so what follows starts on its own line. */
  finish(t: DemoTally): void {
    if (this.live) this.out.write(`\r\x1b[2K${this.line(t)}\n`);
    else this.out.write(`${this.line(t)}\n`);
    this.live = false;
  }
}
