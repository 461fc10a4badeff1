/**
 * The entry of `util/`: small helpers that several folders share and that belong to none of them.
 * Not a package subpath; nothing here is public API.
 */
export { CodedError } from './coded-error.js';
