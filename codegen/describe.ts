/** `aes describe`: services, ports and operations of a WSDL with their input and output shapes. */
import type { ModelOptions } from '../wsdl/index.js';
import { buildModel } from './generate.js';
import { operationsOf } from './operations.js';
import { ShapeBuilder } from './shape-builder.js';
import { printType, type TypeExpr } from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';

export interface OperationDescription {
  readonly name: string;
  readonly doc: string | undefined;
  readonly style: 'rpc' | 'document';
  /** The input shape (one level of named types expanded); undefined without input. */
  readonly input: string | undefined;
  /** Undefined for a one-way operation. */
  readonly output: string | undefined;
  readonly faults: readonly string[];
}

export interface PortDescription {
  readonly name: string;
  readonly address: string | undefined;
  /** Undefined for a non-SOAP binding. */
  readonly soapVersion: '1.1' | '1.2' | undefined;
  readonly operations: readonly OperationDescription[];
}

export interface WsdlDescription {
  readonly source: string;
  readonly version: '1.1' | '2.0' | 'xsd';
  readonly targetNamespace: string;
  readonly doc: string | undefined;
  readonly services: readonly {
    readonly name: string;
    readonly doc: string | undefined;
    readonly ports: readonly PortDescription[];
  }[];
  /** Named XSD types and global elements. */
  readonly types: number;
  readonly warnings: readonly string[];
}

function expand(mapper: TypeMapper, shapes: ShapeBuilder, expr: TypeExpr): string {
  if (expr.k !== 'ref') return printType(expr, '');
  const entry = mapper.entries.find((e) => e.tsName === expr.name);
  let def = entry?.kind === 'type' ? mapper.set.types.get(entry.key) : undefined;
  if (entry?.kind === 'element') {
    const el = mapper.set.elements.get(entry.key);
    const use = el?.type;
    if (use?.kind === 'anonymous') def = use.def;
    else if (use?.kind === 'named')
      def = mapper.set.types.get(`{${use.qname.ns}}${use.qname.name}`);
  }
  if (def === undefined) return printType(expr, '');
  if (def.kind === 'simple') return `${expr.name} = ${printType(mapper.simpleExpr(def), '')}`;
  const decl = shapes.declare(def);
  const body =
    decl.kind === 'alias'
      ? printType(decl.type, '')
      : `${decl.extends === undefined ? '' : `${decl.extends} & `}${printType({ k: 'object', props: decl.props, index: decl.index }, '')}`;
  return `${expr.name} ${body}`;
}

export async function describeWsdl(
  location: string,
  options: ModelOptions = {},
): Promise<WsdlDescription> {
  const model = await buildModel(location, options);
  const shapes = new ShapeBuilder(model.mapper);
  const services = model.wsdl.services.map((svc) => ({
    name: svc.name,
    doc: svc.doc,
    ports: svc.ports.map((port) => {
      const binding = model.wsdl.bindings.get(port.binding);
      return {
        name: port.name,
        address: port.address,
        soapVersion: binding?.soapVersion,
        operations: operationsOf(model.wsdl, model.mapper, port.binding).map((op) => ({
          name: op.name,
          doc: op.doc,
          style: op.style,
          input: op.input === undefined ? undefined : expand(model.mapper, shapes, op.input),
          output: op.output === undefined ? undefined : expand(model.mapper, shapes, op.output),
          faults: op.faults.map((f) => f.name),
        })),
      };
    }),
  }));
  return {
    source: model.loaded.root,
    version: model.wsdl.version,
    targetNamespace: model.wsdl.targetNamespace,
    doc: model.wsdl.doc,
    services,
    types: model.schema.types.size + model.schema.elements.size,
    warnings: model.mapper.warnings,
  };
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** Word-wraps `text` at 100 columns, each line starting with `prefix`. */
function wrap(text: string, prefix: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && prefix.length + line.length + 1 + word.length > 100) {
      lines.push(prefix + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(prefix + line);
  return lines.join('\n');
}

/** Human-readable text of a description. */
export function formatDescription(d: WsdlDescription): string {
  const lines: string[] = [
    `${d.source}`,
    `  WSDL ${d.version}, target namespace ${d.targetNamespace || '(none)'}, ${d.types} named types and elements`,
  ];
  if (d.doc !== undefined) lines.push(wrap(d.doc, '  '));
  if (d.services.length === 0)
    lines.push('  no wsdl:service: there is no client to make (types only)');
  for (const svc of d.services) {
    lines.push(`service ${svc.name}`);
    if (svc.doc !== undefined) lines.push(wrap(svc.doc, '  '));
    for (const port of svc.ports) {
      lines.push(
        `  port ${port.name} (${port.soapVersion === undefined ? 'not SOAP' : `SOAP ${port.soapVersion}`})${port.address === undefined ? '' : ` at ${port.address}`}`,
      );
      for (const op of port.operations) {
        lines.push(`    ${op.name} (${op.style})`);
        if (op.doc !== undefined) lines.push(wrap(op.doc, '      '));
        if (op.input !== undefined) lines.push(`      input:`, indent(op.input, '        '));
        lines.push(`      output:`, indent(op.output ?? '(none: one-way)', '        '));
        if (op.faults.length > 0) lines.push(`      faults: ${op.faults.join(', ')}`);
      }
    }
  }
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
