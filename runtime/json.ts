/** JSON values: what a message part carries (message parts are JSON strings inside SOAP). */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue =
  JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Serialises a payload for the message body. Throws a `TypeError` naming the problem when the
 * value has no JSON form (undefined, a function, a BigInt, a cycle).
 */
export function encodeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`payload is not JSON-serialisable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === undefined) throw new TypeError(`payload is not JSON-serialisable: ${typeof value}`);
  return text;
}

/** Parses a message body; throws a `SyntaxError` when it is not JSON. */
export function decodeJson(body: Buffer | string): JsonValue {
  return JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as JsonValue;
}
