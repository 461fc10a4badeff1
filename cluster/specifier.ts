/**
 * Addresses of states and sessions: `poe://kernel/session/state` and `poe://kernel/session`, or the
 * same as objects. Kernel `*` means every connected kernel (post) or the first that answers
 * (subscribe). A blank kernel, as IKC writes it — `poe:/session/state` (or `poe:///session/state`,
 * or `kernel: ''` in the object form) — means the kernel's default kernel, which the parser is
 * given; without one, a blank kernel is refused.
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
/** IKC's form with no kernel: `poe:/session/state`. */
const BLANK_PREFIX = 'poe:/';

function checkName(what: string, value: string, spec: string, allowAny: boolean): void {
  if (allowAny && value === ANY_KERNEL) return;
  if (!NAME_PATTERN.test(value)) {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}': ${what} '${value}' is not a valid name (${String(NAME_PATTERN)})`,
    );
  }
}

function split(spec: string, parts: number, defaultKernel: string | undefined): string[] {
  let segments: string[];
  if (spec.startsWith(PREFIX)) segments = spec.slice(PREFIX.length).split('/');
  else if (spec.startsWith(BLANK_PREFIX))
    segments = ['', ...spec.slice(BLANK_PREFIX.length).split('/')];
  else {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}' must start with '${PREFIX}' (or '${BLANK_PREFIX}' for the default kernel)`,
    );
  }
  if (segments.length !== parts) {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}' must look like ${parts === 3 ? 'poe://kernel/session/state' : 'poe://kernel/session'}`,
    );
  }
  segments[0] = kernelOrDefault(segments[0] ?? '', spec, defaultKernel);
  return segments;
}

function kernelOrDefault(kernel: string, spec: string, defaultKernel: string | undefined): string {
  if (kernel !== '') return kernel;
  if (defaultKernel === undefined) {
    throw new UsageError(
      'BAD_SPECIFIER',
      `specifier '${spec}' names no kernel, and there is no default kernel to send it to`,
    );
  }
  return defaultKernel;
}

/**
 * Parses `poe://kernel/session/state` (or checks the object form); a blank kernel
 * (`poe:/session/state`) becomes `defaultKernel`, and is refused when none is given.
 */
export function parseStateSpec(spec: string | StateSpec, defaultKernel?: string): StateSpec {
  if (typeof spec !== 'string') {
    const text = formatStateSpec(spec);
    const kernel = kernelOrDefault(spec.kernel, text, defaultKernel);
    checkName('kernel', kernel, text, true);
    checkName('session', spec.session, text, false);
    checkName('state', spec.state, text, false);
    return { kernel, session: spec.session, state: spec.state };
  }
  const [kernel = '', session = '', state = ''] = split(spec, 3, defaultKernel);
  checkName('kernel', kernel, spec, true);
  checkName('session', session, spec, false);
  checkName('state', state, spec, false);
  return { kernel, session, state };
}

/** Parses `poe://kernel/session` (or checks the object form); a blank kernel as above. */
export function parseSessionSpec(spec: string | SessionSpec, defaultKernel?: string): SessionSpec {
  if (typeof spec !== 'string') {
    const text = formatSessionSpec(spec);
    const kernel = kernelOrDefault(spec.kernel, text, defaultKernel);
    checkName('kernel', kernel, text, true);
    checkName('session', spec.session, text, false);
    return { kernel, session: spec.session };
  }
  const [kernel = '', session = ''] = split(spec, 2, defaultKernel);
  checkName('kernel', kernel, spec, true);
  checkName('session', session, spec, false);
  return { kernel, session };
}

export const formatStateSpec = (s: StateSpec): string =>
  `${PREFIX}${s.kernel}/${s.session}/${s.state}`;
export const formatSessionSpec = (s: SessionSpec): string => `${PREFIX}${s.kernel}/${s.session}`;
