/**
 * The deliberate mapping of XSD built-in types to TypeScript, matched by the client runtime's
 * deserializers so that values arrive as typed (see docs/codegen.md).
 */
import { isXsdNs, SOAP11_ENC_NS, SOAP12_ENC_NS, XML_NS } from '../wsdl/index.js';
import { BOOLEAN, NUMBER, STRING, UNKNOWN, type TypeExpr } from './type-expr.js';
import { NUMBER_BUILTINS } from '../soap-client/internal.js';

export type ValueKind = 'number' | 'boolean' | 'string' | 'unknown';

/** The kind of a built-in by local name, or undefined when `ns` is not a built-in namespace. */
export function builtinKind(ns: string, name: string): ValueKind | undefined {
  if (ns === XML_NS) return 'string';
  if (!isXsdNs(ns) && ns !== SOAP11_ENC_NS && ns !== SOAP12_ENC_NS) return undefined;
  if (name === 'anyType' || name === 'anySimpleType' || name === 'Array' || name === 'Struct')
    return 'unknown';
  if (NUMBER_BUILTINS.includes(name)) return 'number';
  if (name === 'boolean') return 'boolean';
  return 'string';
}

export function kindExpr(kind: ValueKind): TypeExpr {
  switch (kind) {
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    case 'string':
      return STRING;
    case 'unknown':
      return UNKNOWN;
  }
}
