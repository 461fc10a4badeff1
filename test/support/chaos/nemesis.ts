/**
 * The chaos nemesis (Jepsen's name for the fault injector): every few seconds, at random from a
 * seed, it kills one of its targets with kill -9 and, for a target that must be started again
 * by hand (a node), starts it after a short pause. It knows its targets and nothing of the
 * checks; its `history` (what it killed, when) is its part of the record the checks read.
 */
import { between, seededRandom, type Random } from '../random.js';

/** Something the nemesis can kill: a node, or one process of a node that restarts it. */
export interface ChaosTarget {
  readonly name: string;
  /** kill -9; resolves once it is dead, with what was killed (`pid 123`), or undefined when
   * there was nothing alive to kill (an endpoint between two copies). */
  kill(): Promise<string | undefined>;
  /** Starts it again (a node); absent for what its node restarts by itself. */
  restart?(): Promise<string>;
}

export interface NemesisEvent {
  /** `Date.now()` once the action took effect (a kill: once the process was gone). */
  readonly at: number;
  readonly op: 'kill' | 'start' | 'missed' | 'start-failed';
  readonly target: string;
  readonly detail: string;
}

export interface NemesisOptions {
  readonly seed: number;
  /** The pause between two kills, drawn in [min, max] ms. */
  readonly everyMs: readonly [number, number];
  /** Between a node's kill and its restart. @defaultValue 500 */
  readonly restartPauseMs?: number;
}

export class ChaosNemesis {
  readonly history: NemesisEvent[] = [];
  private readonly random: Random;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly targets: readonly ChaosTarget[],
    private readonly options: NemesisOptions,
  ) {
    this.random = seededRandom(options.seed);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the kills; resolves once a node killed last has been started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** Kills by target name. */
  kills(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of this.targets) counts[t.name] = 0;
    for (const e of this.history) {
      if (e.op === 'kill') counts[e.target] = (counts[e.target] ?? 0) + 1;
    }
    return counts;
  }

  private async run(): Promise<void> {
    const [min, max] = this.options.everyMs;
    for (;;) {
      await this.sleep(between(this.random, min, max));
      if (this.stopping) return;
      const target = this.targets[between(this.random, 0, this.targets.length - 1)];
      if (target === undefined) return;
      const killed = await target.kill();
      this.record(killed === undefined ? 'missed' : 'kill', target.name, killed ?? 'not running');
      if (killed === undefined || target.restart === undefined) continue;
      await new Promise((resolve) => setTimeout(resolve, this.options.restartPauseMs ?? 500));
      await this.restart(target, target.restart.bind(target));
    }
  }

  /** A node that fails to start (a loaded machine) is tried again: it must come back. */
  private async restart(target: ChaosTarget, restart: () => Promise<string>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.record('start', target.name, await restart());
        return;
      } catch (err) {
        this.record('start-failed', target.name, (err as Error).message.split('\n')[0] ?? '');
        if (attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private record(op: NemesisEvent['op'], target: string, detail: string): void {
    this.history.push({ at: Date.now(), op, target, detail });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
