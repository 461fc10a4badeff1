/** Helpers of the demo tests. */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this user's processes whose command line or environment mentions `text`. */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`, 'latin1').includes(text)) {
          found.push(Number(entry));
          break;
        }
      } catch {
        // gone, or not ours
      }
    }
  }
  return found;
}
