/**
 * Parsed state specifiers, by their text: a kernel posting to the same few states over and over
 * parses each once. Bounded; emptied when full (the working set is small and refills at once).
 */
import { parseStateSpec, type StateSpec } from './specifier.js';

const LIMIT = 1024;

export class StateSpecCache {
  readonly #parsed = new Map<string, StateSpec>();

  /** `defaultKernel`: where a specifier naming no kernel goes (`poe:/session/state`). */
  constructor(private readonly defaultKernel: string) {}

  /** The parsed form of `spec` (checked again when given already parsed). */
  get(spec: string | StateSpec): StateSpec {
    if (typeof spec !== 'string') return parseStateSpec(spec, this.defaultKernel);
    let parsed = this.#parsed.get(spec);
    if (parsed === undefined) {
      parsed = parseStateSpec(spec, this.defaultKernel);
      if (this.#parsed.size >= LIMIT) this.#parsed.clear();
      this.#parsed.set(spec, parsed);
    }
    return parsed;
  }
}
