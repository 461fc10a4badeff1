/**
 * How XSD built-in values arrive: the one list shared by the code generator (the TypeScript
 * types it writes) and the client runtime (node-soap's deserializers), so the two cannot drift.
 * No imports: the client runtime loads it in every endpoint process.
 */

/** Fit exactly in a JavaScript number: arrive as `number`. */
export const NUMBER_BUILTINS: readonly string[] = [
  'int',
  'short',
  'byte',
  'unsignedInt',
  'unsignedShort',
  'unsignedByte',
  'float',
  'double',
];

/**
 * Would lose precision or information as a number or a `Date` (node-soap's defaults): kept as the
 * lexical string.
 */
export const LEXICAL_BUILTINS: readonly string[] = [
  'long',
  'integer',
  'decimal',
  'dateTime',
  'date',
];
