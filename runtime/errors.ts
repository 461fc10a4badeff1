/** Typed errors of the runtime. Check with `instanceof` or `code`, never by message text. */

export type RuntimeErrorCode =
  | 'RUNTIME_BAD_OPTION'
  | 'RUNTIME_BAD_RECORD'
  | 'RUNTIME_CALL_TIMEOUT'
  | 'RUNTIME_ABORTED'
  | 'RUNTIME_BAD_STATE'
  | 'RUNTIME_STORE_FAILED'
  | 'RUNTIME_LOCKED'
  | 'RUNTIME_CONFIG_INVALID'
  | 'RUNTIME_CONFIG_UNREADABLE'
  | 'RUNTIME_SPAWN_FAILED'
  | 'RUNTIME_PORT_IN_USE'
  | 'RUNTIME_NOT_FOUND';

export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    /** True when the same operation may succeed if tried again. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An option given to an endpoint or a supervisor is not usable; names the option. */
export class OptionError extends RuntimeError {
  override readonly name = 'OptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super('RUNTIME_BAD_OPTION', `option '${option}': ${message}`, false);
  }
}

/** A FIFO web service returned something that is not a usable record. */
export class BadRecordError extends RuntimeError {
  override readonly name = 'BadRecordError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME_BAD_RECORD', message, true, options);
  }
}

/** A web-service call did not settle within its deadline. */
export class CallTimeoutError extends RuntimeError {
  override readonly name = 'CallTimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super('RUNTIME_CALL_TIMEOUT', `${operation} timed out after ${timeoutMs} ms`, true);
  }
}

/** A wait was cut short by a stop deadline or an abort signal. */
export class AbortedError extends RuntimeError {
  override readonly name = 'AbortedError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super('RUNTIME_ABORTED', `${operation} was aborted`, false, options);
  }
}

/** A state machine refused a move, or an object was used in the wrong state. */
export class StateError extends RuntimeError {
  override readonly name = 'StateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME_BAD_STATE', message, false, options);
  }
}

/** The durable store (journal or de-duplication store) failed. */
export class StoreError extends RuntimeError {
  override readonly name = 'StoreError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('RUNTIME_STORE_FAILED', `${path}: ${message}`, false, options);
  }
}

/** Another live process (or object) holds the endpoint's data folder. */
export class LockedError extends RuntimeError {
  override readonly name = 'LockedError';
  constructor(
    readonly path: string,
    readonly holderPid: number,
  ) {
    super(
      'RUNTIME_LOCKED',
      `${path} is held by process ${holderPid}: two instances of one endpoint may not share a journal`,
      false,
    );
  }
}

/** One problem found in a config file: the JSON pointer of the field and what is wrong. */
export interface ConfigIssue {
  /** JSON pointer of the offending field (`/cluster/port`); `''` is the whole document. */
  readonly pointer: string;
  readonly message: string;
}

/** The config file is not valid; lists every issue, each naming its field. */
export class ConfigError extends RuntimeError {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      'RUNTIME_CONFIG_INVALID',
      `${file}: invalid config\n${issues.map((i) => `  ${i.pointer || '/'}: ${i.message}`).join('\n')}`,
      false,
    );
  }
}

/** The config file (or a file it names) cannot be read or is not JSON. */
export class ConfigReadError extends RuntimeError {
  override readonly name = 'ConfigReadError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('RUNTIME_CONFIG_UNREADABLE', `${file}: ${message}`, false, options);
  }
}

/** A child process could not be started. */
export class SpawnError extends RuntimeError {
  override readonly name = 'SpawnError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME_SPAWN_FAILED', message, true, options);
  }
}

/** A node's listener cannot bind: its port is taken. Names the config field that sets it. */
export class PortInUseError extends RuntimeError {
  override readonly name = 'PortInUseError';
  constructor(
    /** The config field that sets the port, e.g. `http.port` or `broker.embedded.port`. */
    readonly field: string,
    /** The address the listener was to bind. */
    readonly host: string,
    /** The port that is taken. */
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(
      'RUNTIME_PORT_IN_USE',
      `${field}: port ${port} on ${host} is already in use; set another ${field} in the config, or stop what listens there`,
      true,
      options,
    );
  }
}
