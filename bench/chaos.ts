/**
 * `npm run bench -- chaos [--records N] [--kill-every-ms MIN-MAX] [--seed S]`: the chaos run of
 * issue 17 on real processes. Three `aes run` nodes (one running the embedded broker the other
 * two use, one the outbound endpoint, one the inbound endpoint with the target's lookup), a
 * FIFO source of N records and a target failing 10% of its Puts; every MIN–MAX ms (default
 * 1000-4000) the nemesis kill -9s the broker node, the outbound or inbound node (started again
 * after 0.5 s) or the outbound or inbound endpoint process (its node restarts it). Checks over
 * what the source and the target recorded: lost, duplicates, stalls (30 s with no new record at
 * the target while records remained). Baseline, same run: the same records through the same
 * nodes without kills (records/s). The seed (printed) replays the kills and the target's faults.
 * Each run's node logs and histories are kept in bench/results/chaos-<seed>-<case>/.
 * `--no-lookup`: the inbound endpoint without `alreadyDelivered()` (duplicates then possible,
 * counted and logged by aes).
 * Ends with one JSON line {"suite":"chaos","records","kills","lost","duplicates","stalls","seconds"}.
 */
import { fileURLToPath } from 'node:url';
import { runChaos, type ChaosResult } from '../test/support/chaos/run.js';

function value(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
function positive(name: string, fallback: number): number {
  const n = Number(value(name) ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}
const RECORDS = positive('--records', 10_000);
const SEED = positive('--seed', 1 + Math.floor(Math.random() * 2 ** 31));
const range = /^(\d+)-(\d+)$/.exec(value('--kill-every-ms') ?? '1000-4000');
if (range === null || Number(range[1]) > Number(range[2]) || Number(range[1]) < 1) {
  throw new Error('--kill-every-ms must be MIN-MAX in ms, e.g. 1000-4000');
}
const EVERY: [number, number] = [Number(range[1]), Number(range[2])];
const LOOKUP = !process.argv.includes('--no-lookup');
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

console.log(
  `chaos: ${RECORDS} records, kills every ${EVERY[0]}-${EVERY[1]} ms, target faults 10%, ${LOOKUP ? 'with' : 'without'} the target's lookup, seed ${SEED}`,
);
console.log(
  `(replay: npm run bench -- chaos --records ${RECORDS} --kill-every-ms ${EVERY.join('-')} --seed ${SEED}${LOOKUP ? '' : ' --no-lookup'})`,
);

function summary(name: string, r: ChaosResult): void {
  const v = r.verdict;
  console.log(
    `${name}: ${v.delivered} of ${RECORDS} delivered in ${v.seconds.toFixed(1)} s (${Math.round(v.delivered / v.seconds)} records/s); lost ${v.lost.length}, duplicates ${v.duplicateCount}, possible duplicates ${r.possibleDuplicates}, lookups at the target ${r.lookups} (confirmed ${r.confirmedDelivered}), stalls ${v.stalls.length}, never popped ${v.unpopped}, out of order ${v.outOfOrder}`,
  );
  if (v.lost.length > 0) console.log(`  lost: ${v.lost.slice(0, 20).join(', ')}`);
  for (const d of v.duplicates.slice(0, 20)) console.log(`  duplicate: ${d.messageId} ×${d.times}`);
  for (const s of v.stalls) {
    console.log(`  stall: ${(s.ms / 1000).toFixed(1)} s from ${new Date(s.from).toISOString()}`);
  }
}

const baseline = await runChaos({
  records: RECORDS,
  seed: SEED,
  lookup: LOOKUP,
  logDir: `${RESULTS}chaos-${SEED}-baseline`,
});
summary('baseline (no kills)', baseline);
const chaos = await runChaos({
  records: RECORDS,
  seed: SEED,
  lookup: LOOKUP,
  killEveryMs: EVERY,
  logDir: `${RESULTS}chaos-${SEED}-kills`,
  onEvent: (line) => console.log(`  ${line}`),
});
summary('with kills', chaos);
const kills = Object.values(chaos.kills).reduce((a, b) => a + b, 0);
const v = chaos.verdict;
const baseRate = baseline.verdict.delivered / baseline.verdict.seconds;
const rate = v.delivered / v.seconds;
console.log(
  `\nkills by kind: ${Object.entries(chaos.kills)
    .map(([k, n]) => `${k} ${n}`)
    .join(
      ', ',
    )} (${kills} in all, ${chaos.history.filter((e) => e.op === 'missed').length} missed: nothing running)`,
);
console.log(`\ncase        records/s  seconds  lost  duplicates  possible dup.  stalls`);
for (const [name, r, perS] of [
  ['baseline', baseline, baseRate],
  ['kills', chaos, rate],
] as const) {
  console.log(
    `${name.padEnd(10)}  ${String(Math.round(perS)).padStart(9)}  ${r.verdict.seconds.toFixed(1).padStart(7)}  ${String(r.verdict.lost.length).padStart(4)}  ${String(r.verdict.duplicateCount).padStart(10)}  ${String(r.possibleDuplicates).padStart(13)}  ${String(r.verdict.stalls.length).padStart(6)}`,
  );
}
console.log(`logs and histories: ${RESULTS}chaos-${SEED}-*`);
console.log(
  JSON.stringify({
    suite: 'chaos',
    records: RECORDS,
    kills,
    lost: v.lost.length,
    duplicates: v.duplicateCount,
    stalls: v.stalls.length,
    seconds: Number(v.seconds.toFixed(1)),
  }),
);
