/** Programs the bed runs on its hosts, from this checkout's source. */
import { fileURLToPath } from 'node:url';

/** The CLI's entry, run from source as e2e tests do: `node --import tsx cli/run.ts …`. */
export const AES_CLI = fileURLToPath(new URL('../../../cli/run.ts', import.meta.url));
/** tsx, resolved here: `--import tsx` alone would be looked up from the host's folder. */
export const TSX = import.meta.resolve('tsx');
/** The bed's own helper programs (see probe-main.ts and relay-main.ts). */
export const PROBE_MAIN = fileURLToPath(new URL('./probe-main.ts', import.meta.url));
export const RELAY_MAIN = fileURLToPath(new URL('./relay-main.ts', import.meta.url));
