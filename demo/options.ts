/** Options of `aes demo`: one interface and one function that checks them (defaults in defaults.ts). */
import {
  DEFAULT_DEMO_RECORDS,
  DEFAULT_DEMO_STALL_TIMEOUT_MS,
  DEMO_PORT_COUNT,
  MAX_DEMO_RECORDS,
  MAX_DEMO_STALL_TIMEOUT_MS,
} from './defaults.js';
import { DemoError } from './errors.js';

/** After the last record arrived, how long a duplicate still counts. */
export const DEMO_SETTLE_MS = 500;

export interface DemoOptions {
  /** @defaultValue DEFAULT_DEMO_RECORDS */
  readonly records?: number;
  /** Keep everything up after the summary until `signal` aborts. @defaultValue false */
  readonly keepRunning?: boolean;
  /** @defaultValue DEFAULT_DEMO_STALL_TIMEOUT_MS */
  readonly stallTimeoutMs?: number;
  /** Fixed ports from this one up (DEMO_PORT_COUNT of them). @defaultValue free ports */
  readonly portBase?: number;
  /** Share (0..1) of Put calls the target answers with a SOAP fault, seeded. @defaultValue 0 */
  readonly targetFaults?: number;
}

export interface ResolvedDemoOptions {
  readonly records: number;
  readonly keepRunning: boolean;
  readonly stallTimeoutMs: number;
  readonly portBase: number | undefined;
  readonly targetFaults: number;
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DemoError(
      'DEMO_OPTIONS',
      `${name} must be a whole number ${min}..${max}, got ${value}`,
    );
  }
  return value;
}

function share(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new DemoError('DEMO_OPTIONS', `${name} must be a share 0..1, got ${value}`);
  }
  return value;
}

/** Applies the defaults and checks every option; a `DemoError` (`DEMO_OPTIONS`) names the bad one. */
export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  return {
    records: wholeNumber('records', options.records ?? DEFAULT_DEMO_RECORDS, 1, MAX_DEMO_RECORDS),
    keepRunning: options.keepRunning ?? false,
    stallTimeoutMs: wholeNumber(
      'stallTimeoutMs',
      options.stallTimeoutMs ?? DEFAULT_DEMO_STALL_TIMEOUT_MS,
      1,
      MAX_DEMO_STALL_TIMEOUT_MS,
    ),
    portBase:
      options.portBase === undefined
        ? undefined
        : wholeNumber('portBase', options.portBase, 1024, 65_536 - DEMO_PORT_COUNT),
    targetFaults: share('targetFaults', options.targetFaults ?? 0),
  };
}

/** Every port the demo listens on; all 0 (free ports) without a base. */
export interface DemoPorts {
  readonly source: number;
  readonly target: number;
  readonly broker: number;
  /** Cluster and HTTP port of each node, in node order (hub, sender, receiver). */
  readonly nodes: readonly { readonly cluster: number; readonly http: number }[];
}

export function demoPorts(base: number | undefined): DemoPorts {
  const at = (offset: number): number => (base === undefined ? 0 : base + offset);
  return {
    source: at(0),
    target: at(1),
    broker: at(2),
    nodes: [0, 1, 2].map((i) => ({ cluster: at(3 + 2 * i), http: at(4 + 2 * i) })),
  };
}
