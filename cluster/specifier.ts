/**
 * Addresses of states and sessions: `poe://kernel/session/state` and `poe://kernel/session`, or the
 * same as objects. Kernel `*` means every connected kernel (post) or the first that answers
 * (subscribe).
 */
import { UsageError } from './errors.js';
import { NAME_PATTERN } from './messages.js';

/** A state on some kernel. */
export interface StateSpec {
  readonly kernel: string;
  readonly session: string;
  readonly state: string;
}
/** A session on some kernel. */
export interface SessionSpec {
  readonly kernel: string;
  readonly session: string;
}

/** Kernel `*`: every kernel for a post, the first to acknowledge for a subscribe. */
export const ANY_KERNEL = '*';

const PREFIX = 'poe://';

function checkName(what: string, value: string, spec: string, allowAny: boolean): void {
  if (allowAny && value === ANY_KERNEL) return;
  if (!NAME_PATTERN.test(value)) {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}': ${what} '${value}' is not a valid name (${String(NAME_PATTERN)})`,
    );
  }
}

function split(spec: string, parts: number): string[] {
  if (!spec.startsWith(PREFIX)) {
    throw new UsageError('BAD_SPECIFIER', `specifier '${spec}' must start with '${PREFIX}'`);
  }
  const segments = spec.slice(PREFIX.length).split('/');
  if (segments.length !== parts) {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}' must look like ${parts === 3 ? 'poe://kernel/session/state' : 'poe://kernel/session'}`,
    );
  }
  return segments;
}

/** Parses `poe://kernel/session/state` (or checks the object form). */
export function parseStateSpec(spec: string | StateSpec): StateSpec {
  if (typeof spec !== 'string') {
    const text = formatStateSpec(spec);
    checkName('kernel', spec.kernel, text, true);
    checkName('session', spec.session, text, false);
    checkName('state', spec.state, text, false);
    return { kernel: spec.kernel, session: spec.session, state: spec.state };
  }
  const [kernel = '', session = '', state = ''] = split(spec, 3);
  checkName('kernel', kernel, spec, true);
  checkName('session', session, spec, false);
  checkName('state', state, spec, false);
  return { kernel, session, state };
}

/** Parses `poe://kernel/session` (or checks the object form). */
export function parseSessionSpec(spec: string | SessionSpec): SessionSpec {
  if (typeof spec !== 'string') {
    const text = formatSessionSpec(spec);
    checkName('kernel', spec.kernel, text, true);
    checkName('session', spec.session, text, false);
    return { kernel: spec.kernel, session: spec.session };
  }
  const [kernel = '', session = ''] = split(spec, 2);
  checkName('kernel', kernel, spec, true);
  checkName('session', session, spec, false);
  return { kernel, session };
}

export const formatStateSpec = (s: StateSpec): string =>
  `${PREFIX}${s.kernel}/${s.session}/${s.state}`;
export const formatSessionSpec = (s: SessionSpec): string => `${PREFIX}${s.kernel}/${s.session}`;
