/**
 * The entry of `util/`: small helpers that several folders share and that belong to none of them
 * — one backoff, one deadline, one state machine, one data-folder lock, a `mkdir -p` that ends,
 * the coded CLI error.
 * Not a package subpath; nothing here is public API unless an entry re-exports it.
 */
export {
  Backoff,
  checkBackoffOptions,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_MULTIPLIER,
  type BackoffJitterKind,
  type BackoffOptionProblem,
  type BackoffOptions,
} from './backoff.js';
export { CodedError } from './coded-error.js';
export { isAlive } from './process-alive.js';
export {
  sleep,
  SYSTEM_TIMERS,
  withDeadline,
  type DeadlineErrors,
  type DeadlineOptions,
  type DeadlineTimers,
} from './deadline.js';
export {
  acquireDirLock,
  DEFAULT_LOCK_FILE,
  DEFAULT_LOCK_HOLDER,
  DirLockError,
  type DirLock,
  type DirLockErrorCode,
  type DirLockOptions,
} from './dir-lock.js';
export { makeDir, makeDirSync } from './make-dir.js';
export {
  IllegalTransitionError,
  StateMachine,
  type StateMachineOptions,
  type StateTransition,
  type TransitionTable,
} from './state-machine.js';
