/**
 * Heap headroom for a busy broker: lets V8's old generation grow by up to a set number of bytes
 * before its next full (mark-compact) collection, instead of by V8's default for a small heap.
 *
 * Why: a broker's live heap is small (its queued records are buffers outside the V8 heap), and
 * a busy one allocates fast, so V8's young generation grows to its maximum. V8 starts marking
 * the old generation as soon as the room left below its limit is less than the young
 * generation's capacity; with a small heap and V8's default growth factor (1.1–2 there) that is
 * always the case, and a pipelined burst ran a full collection every ~40 ms: a third of the
 * broker's CPU (measured with `--trace-gc`; docs/broker.md, Performance).
 *
 * How: after each full collection, the growth factor is set to `1 + headroom / live` (capped at
 * 4, V8's own maximum), through V8's `--heap-growing-percent` flag, which V8 reads at every full
 * collection. When the live heap reaches twice the headroom, the flag goes back to 0 (V8's own
 * factor), which then leaves room enough. The extra memory is bounded by the headroom.
 *
 * The flag is process-wide: brokers in one process share it, and the largest headroom any of
 * them asked for wins until they have all stopped.
 *
 * The price is garbage: a drain leaves up to the headroom of it in the heap, and once the
 * broker is idle nothing allocates to trigger the collection that would free it. V8's memory
 * reducer collects an idle heap by itself, but not reliably: 25 s after a drain of 200,000
 * messages, not within 60 s after one of 1,000,000 (177 MB of heap used; 10 MB live). So a
 * broker gone idle calls {@link collectHeadroomGarbage}.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The default headroom: 128 MiB. */
export const DEFAULT_HEAP_HEADROOM_MB = 128;

/** V8's largest growth factor is 4: 300 %. */
const MAX_GROWING_PERCENT = 300;
/** Under 50 % V8's own factor (1.1 to 4, from its GC and allocation speeds) is left alone. */
const MIN_GROWING_PERCENT = 50;

/**
 * The `--heap-growing-percent` that lets a heap of `liveBytes` grow by `headroomBytes` before
 * its next full collection; 0 (V8 decides) for no headroom or a heap large enough to need none.
 */
export function growingPercent(liveBytes: number, headroomBytes: number): number {
  if (headroomBytes <= 0) return 0;
  const percent = Math.floor((100 * headroomBytes) / Math.max(liveBytes, 1024 * 1024));
  if (percent < MIN_GROWING_PERCENT) return 0;
  return Math.min(percent, MAX_GROWING_PERCENT);
}

/** Headrooms asked for by the brokers running in this process, in MiB. */
const active: number[] = [];
let observer: PerformanceObserver | undefined;
/** The flag's value as last set (0: V8's default). */
let applied = 0;
/** Heap bytes in use after the last full collection (as the flag was last chosen). */
let liveBytes = 0;
/** Heap committed past the live heap that an idle broker has collected: 32 MiB. */
const IDLE_GARBAGE_BYTES = 32 * 1024 * 1024;
/** The quiet spell after which a second collection shrinks the young generation (ms). */
const QUIET_MS = 5_000;
let collect: (() => void) | undefined;
let followUp: NodeJS.Timeout | undefined;
/** When the last collection asked for here ran (`performance.now()`). */
let collectedAt = -Infinity;

/** The headroom in force, in MiB: the largest one held (0: none, V8's defaults). */
export function heldHeapHeadroomMb(): number {
  return active.length === 0 ? 0 : Math.max(...active);
}

function apply(): void {
  const headroom = heldHeapHeadroomMb() * 1024 * 1024;
  liveBytes = getHeapStatistics().used_heap_size;
  const percent = growingPercent(liveBytes, headroom);
  if (percent === applied) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied = percent;
}

/**
 * Gives the process's V8 heap `headroomMb` MiB of room to grow between full collections, until
 * the returned function is called (idempotent). 0 changes nothing.
 */
export function holdHeapHeadroom(headroomMb: number): () => void {
  if (headroomMb <= 0) return () => undefined;
  active.push(headroomMb);
  if (observer === undefined) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        // A 'gc' entry's detail says which collection it was.
        const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
        if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          apply();
          return;
        }
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  apply();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    active.splice(active.indexOf(headroomMb), 1);
    if (active.length === 0) {
      observer?.disconnect();
      observer = undefined;
    }
    apply();
  };
}

/**
 * Has V8 run a full collection now when a headroom is held and the heap takes over 32 MiB more
 * than it held live after the last full collection: for a broker gone idle (a drained queue,
 * see lmdb-map.ts), whose garbage would otherwise stay. And once more 5 s later: V8 shrinks its
 * young generation (tens of MB) and hands back the pages it freed only at a collection after a
 * quiet spell (its allocation rate then low). Not again within those 5 s. True when it collected.
 */
export function collectHeadroomGarbage(): boolean {
  if (active.length === 0 || performance.now() - collectedAt < QUIET_MS) return false;
  if (getHeapStatistics().total_heap_size - liveBytes < IDLE_GARBAGE_BYTES) return false;
  if (collect === undefined) {
    // V8 gives its collector to contexts created while --expose-gc is set (jest's leak detector
    // does the same); set for that one context only.
    setFlagsFromString('--expose-gc');
    try {
      collect = runInNewContext('gc') as () => void;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  const gc = collect;
  gc();
  collectedAt = performance.now();
  apply();
  clearTimeout(followUp);
  followUp = setTimeout(() => {
    if (active.length > 0) gc();
  }, QUIET_MS);
  followUp.unref();
  return true;
}
