/**
 * Colour in the CLI's output for people. Text is coloured only when the stream it goes to is a
 * terminal, and never under `--json`. `NO_COLOR` (any non-empty value, no-color.org) turns colour
 * off; `FORCE_COLOR` (non-empty, force-color.org) turns it on even without a terminal, except
 * `FORCE_COLOR=0` or `false`, which turn it off as in Node.js; `TERM=dumb` means no terminal
 * colours. Without colour the text is byte for byte what it is without this module.
 */
import { styleText } from 'node:util';
import type { TableStyle } from '../runtime/node/index.js';

/** What colour means in the CLI: errors, warnings, success, headings. */
export type ColourRole = 'error' | 'warning' | 'success' | 'heading';

const FORMATS = {
  error: 'red',
  warning: 'yellow',
  success: 'green',
  heading: 'bold',
} as const satisfies Record<ColourRole, Parameters<typeof styleText>[0]>;

/** Whether text written to `stream` is coloured, under `env`. */
export function colourEnabled(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR ?? '';
  if (force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Marks `text` as `role`; the text itself when colour is off. */
export type Paint = (role: ColourRole, text: string) => string;

/** The painter for text bound for `stream` (`process.stdout` or `process.stderr`). */
export function paintFor(
  stream: { readonly isTTY?: boolean },
  json = false,
  env: NodeJS.ProcessEnv = process.env,
): Paint {
  if (json || !colourEnabled(stream, env)) return (_role, text) => text;
  // The stream was judged above; styleText must not judge process.stdout in its place.
  return (role, text) => styleText(FORMATS[role], text, { validateStream: false });
}

/** The painter for stdout: `aes` output that is not an error or a warning. */
export function stdoutPaint(json = false): Paint {
  return paintFor(process.stdout, json);
}

/** The painter for stderr: errors, warnings, progress. */
export function stderrPaint(json = false): Paint {
  return paintFor(process.stderr, json);
}

/** States of `aes status` that are faults, and those on their way somewhere. */
const FAULT_STATES = new Set(['failed', 'unreachable', 'refused', 'quarantined']);
const MOVING_STATES = new Set(['starting', 'stopping', 'backoff']);

/** A table's marks in colour: the header row bold; running states green, faults red. */
export function tableStyle(paint: Paint): TableStyle {
  return {
    heading: (text) => paint('heading', text),
    state: (state, text) =>
      state === 'running' || state === 'attached'
        ? paint('success', text)
        : FAULT_STATES.has(state)
          ? paint('error', text)
          : MOVING_STATES.has(state)
            ? paint('warning', text)
            : text,
  };
}
