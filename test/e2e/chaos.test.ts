/**
 * The chaos test (issue 17), short form: three `aes run` nodes (broker, outbound, inbound with
 * the target's lookup), a FIFO source of a few hundred records, a target failing 10% of its
 * Puts, and the nemesis kill -9ing a node or an endpoint process every 1–4 s. Over what the
 * source and the target recorded: nothing lost, nothing twice, no 30 s without a new record.
 * The seed is printed; AES_CHAOS_SEED=<seed> replays a run (kills and target faults).
 * `npm run bench -- chaos` is the long form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runChaos } from '../support/chaos/run.js';

const RECORDS = 300;

test(
  'chaos: kill -9 of nodes and endpoints every 1-4 s loses nothing, duplicates nothing, stalls nothing',
  {
    timeout: 420_000,
  },
  async (t) => {
    const seed = Number(process.env.AES_CHAOS_SEED ?? 1 + Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (AES_CHAOS_SEED=${seed} replays it)`);
    const logDir = fileURLToPath(new URL(`../../test-artifacts/chaos-${seed}/`, import.meta.url));
    const result = await runChaos({
      records: RECORDS,
      seed,
      killEveryMs: [1_000, 4_000],
      lookup: true,
      logDir,
    });
    const v = result.verdict;
    const kills = Object.entries(result.kills).map(([k, n]) => `${k} ${n}`);
    t.diagnostic(
      `${v.delivered} of ${RECORDS} in ${v.seconds.toFixed(1)} s; kills: ${kills.join(', ')}; lookups at the target ${result.lookups} (confirmed ${result.confirmedDelivered}), possible duplicates ${result.possibleDuplicates}`,
    );
    const why = `seed ${seed}; node logs and histories in ${logDir}`;
    assert.deepEqual(v.lost, [], `lost (${why})`);
    assert.deepEqual(v.duplicates, [], `duplicates (${why})`);
    assert.deepEqual(v.phantoms, [], `accepted, never handed out (${why})`);
    assert.deepEqual(v.stalls, [], `stalls (${why})`);
    assert.equal(v.delivered, RECORDS, `every record delivered (${why})`);
    assert.ok(
      result.history.some((e) => e.op === 'kill'),
      'the nemesis killed something',
    );
    // Kept only when something failed.
    await rm(logDir, { recursive: true, force: true });
  },
);
