/**
 * A WSDL and everything it imports, read into the normalised model that the code generator, the
 * mock server and the scaffolds stand on. Reading it needs no TypeScript compiler.
 */
import { loadWsdl, type LoadedWsdl, type LoadOptions } from './loader.js';
import type { SchemaSet } from './schema-model.js';
import { readSchemas } from './schema-parse.js';
import type { WsdlModel } from './wsdl-model.js';
import { readWsdlModel } from './wsdl-parse.js';

export interface ModelOptions extends LoadOptions {
  /** Dangling references (unknown type, element, message, binding) are errors, not warnings. */
  readonly strict?: boolean;
}

/** The documents as loaded, their schemas and their WSDL definitions. */
export interface WsdlDocumentModel {
  readonly loaded: LoadedWsdl;
  readonly schema: SchemaSet;
  readonly wsdl: WsdlModel;
  /** What loading and reading left unresolved (errors instead with `strict`). */
  readonly warnings: readonly string[];
}

/** Loads a WSDL and everything it imports, and reads its schemas and definitions. */
export async function readWsdlDocument(
  location: string,
  options: ModelOptions = {},
): Promise<WsdlDocumentModel> {
  const loaded = await loadWsdl(location, options);
  const schema = readSchemas(loaded.schemas);
  const warnings: string[] = [...loaded.warnings];
  const wsdl = readWsdlModel(loaded, options.strict ?? false, warnings);
  return { loaded, schema, wsdl, warnings };
}
