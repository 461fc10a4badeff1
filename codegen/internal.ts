/**
 * What the scaffolds (`scaffold/`) use of the code generator beyond `aes-endpoint-server/codegen`:
 * the code model of a WSDL, its naming rules, the operation shapes and the type mapping, so that an
 * endpoint's code names what the generated client declares.
 */
export { buildModel, wsdlFolderName, type CodeModel } from './generate.js';
export { NameAllocator, toMethodName, toPascal } from './names.js';
export { operationsOf, type OperationShape } from './operations.js';
export { ShapeBuilder } from './shape-builder.js';
export { propertyName, type PropExpr, type TypeExpr } from './type-expr.js';
export type { TypeMapper } from './type-mapper.js';
export { RESERVED_MEMBERS } from './emit-client.js';
