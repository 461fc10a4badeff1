/** Dead letters of the node's broker: list, show, replay, drop (`aes dlq`). */
export {
  DEFAULT_DLQ_TIMEOUT_MS,
  deadLetterQueues,
  dlqBrokerUrls,
  dropDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  showDeadLetter,
  type DeadLetterList,
  type DeadLetterOptions,
  type DropOrReplayOptions,
} from './dead-letters.js';
export { type DeadLetter } from './dead-letter-message.js';
export { DeadLetterError, type DeadLetterErrorCode } from './errors.js';
export { parseAge, type DeadLetterFilter } from './selection.js';
export {
  deadLetterJson,
  deadLetterListJson,
  formatDeadLetter,
  formatDeadLetterList,
} from './format.js';
export { MAX_BROWSE_MESSAGES } from './browse.js';
export {
  BROWSE_METHODS,
  DEFAULT_MANAGEMENT_PROBE_TIMEOUT_MS,
  type BrowseMethod,
} from './browse-method.js';
