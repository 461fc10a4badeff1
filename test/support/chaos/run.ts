/**
 * One chaos run, shared by the chaos test and `npm run bench -- chaos`: the rig started, the
 * source filled, the nemesis let loose (or not, for the baseline) until every record reached the
 * target or nothing moved for too long, then the checks over the outside history.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChaosNemesis, type NemesisEvent } from './nemesis.js';
import { ChaosRig } from './rig.js';
import { checkHistory, type Verdict } from './checks.js';

export interface ChaosOptions {
  readonly records: number;
  readonly seed: number;
  /** The pause between kills in ms, or undefined for a run without kills (the baseline). */
  readonly killEveryMs?: readonly [number, number];
  /** @defaultValue 0.1 */
  readonly targetFaults?: number;
  /** @defaultValue true */
  readonly lookup?: boolean;
  /** @defaultValue 30 000 */
  readonly stallLimitMs?: number;
  /** Give up when no new record reached the target for this long. @defaultValue 2 × stallLimitMs */
  readonly giveUpMs?: number;
  /** Writes each node's log (every incarnation) and the histories into this folder. */
  readonly logDir?: string;
  /** Told of each nemesis action and of progress. */
  readonly onEvent?: (line: string) => void;
}

export interface ChaosResult {
  readonly verdict: Verdict;
  readonly history: readonly NemesisEvent[];
  readonly kills: Record<string, number>;
  /** From the inbound node's log lines (extra information; lines of orphans are not seen). */
  readonly possibleDuplicates: number;
  /** Puts skipped because the target's lookup said it held the message already (log lines). */
  readonly confirmedDelivered: number;
  /** `Has` calls the target answered (its own count: how often the lookup was needed). */
  readonly lookups: number;
  /** Whether every record reached the target before the run gave up. */
  readonly complete: boolean;
}

const MESSAGE_ID = (id: string): string => `orders-out:${id}`;

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const stallLimitMs = options.stallLimitMs ?? 30_000;
  const giveUpMs = options.giveUpMs ?? 2 * stallLimitMs;
  const say = options.onEvent ?? (() => undefined);
  await using rig = await ChaosRig.start({
    targetFaults: options.targetFaults ?? 0.1,
    seed: options.seed,
    lookup: options.lookup ?? true,
  });
  const nemesis =
    options.killEveryMs === undefined
      ? undefined
      : new ChaosNemesis(rig.targets(), { seed: options.seed, everyMs: options.killEveryMs });
  const distinct = new Set<string>();
  const delivered = (): number => {
    for (let i = distinct.size; i < rig.target.accepted.length; i += 1) {
      distinct.add(rig.target.accepted[i]?.messageId ?? '');
    }
    return distinct.size;
  };
  rig.fill(options.records);
  const startedAt = Date.now();
  nemesis?.start();
  let seenEvents = 0;
  let last = 0;
  let movedAt = Date.now();
  let lastReport = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const e of nemesis?.history.slice(seenEvents) ?? []) {
      say(`${((e.at - startedAt) / 1000).toFixed(1)} s  ${e.op} ${e.target} (${e.detail})`);
    }
    seenEvents = nemesis?.history.length ?? 0;
    const now = delivered();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      say(
        `${((lastReport - startedAt) / 1000).toFixed(0)} s  ${now} of ${options.records} at the target`,
      );
    }
    if (now >= options.records && rig.source.remaining === 0) break;
    if (Date.now() - movedAt > giveUpMs) {
      say(`no new record at the target for ${giveUpMs} ms: giving up`);
      break;
    }
  }
  const endedAt = Date.now();
  await nemesis?.stop();
  // A duplicate would come right behind a restart: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const verdict = checkHistory({
    records: options.records,
    source: rig.source.history,
    target: rig.target.accepted,
    messageIdOf: MESSAGE_ID,
    startedAt,
    endedAt,
    stallLimitMs,
  });
  const inbound = rig.inbound.lines();
  const idsOf = (match: string) =>
    inbound
      .filter((l) => l.msg.includes(match))
      .reduce((n, l) => n + (Array.isArray(l.ids) ? l.ids.length : 1), 0);
  if (options.logDir !== undefined) {
    await mkdir(options.logDir, { recursive: true });
    for (const [name, lines] of Object.entries(rig.logs())) {
      await writeFile(join(options.logDir, `${name}.log`), `${lines.join('\n')}\n`);
    }
    await writeFile(
      join(options.logDir, 'history.json'),
      JSON.stringify({
        seed: options.seed,
        startedAt,
        endedAt,
        nemesis: nemesis?.history ?? [],
        source: rig.source.history,
        target: rig.target.accepted.map((a) => ({ at: a.at, messageId: a.messageId })),
      }),
    );
  }
  return {
    verdict,
    history: nemesis?.history ?? [],
    kills: nemesis?.kills() ?? {},
    possibleDuplicates: idsOf('a possible duplicate at the target'),
    confirmedDelivered: idsOf('the target already holds it'),
    lookups: rig.target.calls.has,
    complete: verdict.delivered >= options.records,
  };
}
