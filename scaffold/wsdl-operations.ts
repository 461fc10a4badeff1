/** The SOAP ports of a WSDL with their operations and client names, as `aes gen` emits them. */
import {
  buildModel,
  NameAllocator,
  operationsOf,
  RESERVED_MEMBERS,
  toMethodName,
  type CodeModel,
  type OperationShape,
} from '../codegen/internal.js';
import type { ModelOptions } from '../codegen/index.js';

export interface PortOperations {
  readonly service: string;
  readonly port: string;
  readonly operations: readonly (OperationShape & { readonly method: string })[];
}

export interface WsdlOperations {
  readonly model: CodeModel;
  /** SOAP ports in the order `aes gen` emits their clients. */
  readonly ports: readonly PortOperations[];
}

/** Loads a WSDL and lists its SOAP ports' operations (throws `CodegenError` naming the file). */
export async function wsdlOperations(
  location: string,
  options: ModelOptions = {},
): Promise<WsdlOperations> {
  const model = await buildModel(location, options);
  const ports: PortOperations[] = [];
  for (const service of [...model.wsdl.services].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const port of [...service.ports].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (model.wsdl.bindings.get(port.binding)?.soapVersion === undefined) continue;
      const members = new NameAllocator({ reserved: [...RESERVED_MEMBERS, 'isFault'] });
      const operations = operationsOf(model.wsdl, model.mapper, port.binding).map((op) => ({
        ...op,
        method: members.allocate(toMethodName(op.name)),
      }));
      ports.push({ service: service.name, port: port.name, operations });
    }
  }
  return { model, ports };
}

/** Every operation name of the WSDL's SOAP ports, sorted, without repeats. */
export function operationNames(w: WsdlOperations): string[] {
  return [...new Set(w.ports.flatMap((p) => p.operations.map((o) => o.name)))].sort();
}
