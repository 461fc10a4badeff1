/**
 * The package's one state-machine helper: the states of a long-lived object (an endpoint's life,
 * a broker connection, a cluster link, a transport's connection), a table of the legal moves, and
 * one guarded `transitionTo(from[], to, reason)` that refuses a move unless the current state is
 * one of `from` and the table allows it, and reports every move and refusal to the owner's
 * tracer. A late event from a dead connection then cannot undo a newer state. Like grpc-js
 * `transitionToState()` in `subchannel.ts`.
 *
 * Each owner keeps its own trace lines, listener events and errors: the helper calls its `trace`
 * and `onChange` hooks, and `transitionToOrThrow()` throws an {@link IllegalTransitionError}
 * that an owner may wrap in an error of its own folder.
 */

/** Every legal move: for each state, the states it may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** One move, made or refused. */
export interface StateTransition<S extends string> {
  readonly from: S;
  readonly to: S;
  /** Why, in a few words: `CONNECT`, `socket connected`, the URL being connected to. */
  readonly reason: string;
  /** The failure behind the move, when there is one. */
  readonly error?: Error | undefined;
}

/** How a {@link StateMachine} starts, what it allows, and whom it tells. */
export interface StateMachineOptions<S extends string> {
  /** Names the machine in errors, e.g. `endpoint orders-in`. */
  readonly name: string;
  readonly initial: S;
  readonly legal: TransitionTable<S>;
  /** Called for every move (`refused` false) and every refusal, before `onChange`. */
  readonly trace?: (transition: StateTransition<S>, refused: boolean) => void;
  /** Called after every move, once the new state is current. */
  readonly onChange?: (transition: StateTransition<S>) => void;
}

/** A move the machine refused, from {@link StateMachine.transitionToOrThrow}: a caller's bug. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'ILLEGAL_TRANSITION';

  constructor(
    /** The machine's name. */
    readonly machine: string,
    readonly from: string,
    readonly to: string,
    readonly reason: string,
    /** The states the caller expected to move from. */
    readonly expected: readonly string[],
  ) {
    super(
      `${machine}: illegal move ${from} -> ${to} (${reason}); expected from ${expected.join('|')}`,
    );
  }
}

/** A current state and the guarded moves between states. */
export class StateMachine<S extends string> {
  readonly name: string;
  readonly #legal: TransitionTable<S>;
  readonly #trace: StateMachineOptions<S>['trace'];
  readonly #onChange: StateMachineOptions<S>['onChange'];
  #current: S;

  constructor(options: StateMachineOptions<S>) {
    this.name = options.name;
    this.#current = options.initial;
    this.#legal = options.legal;
    this.#trace = options.trace;
    this.#onChange = options.onChange;
  }

  get state(): S {
    return this.#current;
  }

  /** True when the current state is one of `states`. */
  is(...states: readonly S[]): boolean {
    return states.includes(this.#current);
  }

  /** Whether a move from the current state to `to` is in the table. */
  canMoveTo(to: S): boolean {
    return this.#legal[this.#current].includes(to);
  }

  /**
   * Moves to `to` when the current state is one of `from` and the table allows the move;
   * returns false (and changes nothing) otherwise. Either way the tracer hears of it.
   */
  transitionTo(from: readonly S[], to: S, reason: string, error?: Error): boolean {
    const transition: StateTransition<S> = { from: this.#current, to, reason, error };
    if (!from.includes(this.#current) || !this.canMoveTo(to)) {
      this.#trace?.(transition, true);
      return false;
    }
    this.#current = to;
    this.#trace?.(transition, false);
    this.#onChange?.(transition);
    return true;
  }

  /** {@link transitionTo}, throwing an {@link IllegalTransitionError} instead of returning false. */
  transitionToOrThrow(from: readonly S[], to: S, reason: string, error?: Error): void {
    const was = this.#current;
    if (!this.transitionTo(from, to, reason, error)) {
      throw new IllegalTransitionError(this.name, was, to, reason, from);
    }
  }
}
