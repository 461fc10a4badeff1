/** Input and output types of operations, from messages, binding style and the schema. */
import type { TypeMapper } from './type-mapper.js';
import { STRING, UNKNOWN, type PropExpr, type TypeExpr } from './type-expr.js';
import {
  type BindingOperation,
  type BodyBinding,
  type WsdlMessage,
  type MessagePart,
  type WsdlModel,
  qnameKey,
} from '../wsdl/index.js';

export interface OperationShape {
  readonly name: string;
  readonly doc: string | undefined;
  readonly soapAction: string | undefined;
  readonly style: 'rpc' | 'document';
  /** Undefined for an operation without input. */
  readonly input: TypeExpr | undefined;
  /** Undefined for a one-way operation. */
  readonly output: TypeExpr | undefined;
  /**
   * The output's `soap:body use` (a one-way operation's: its input's): SOAP-encoded results are
   * decoded by the client runtime.
   */
  readonly outputUse: 'literal' | 'encoded';
  readonly inputMessage: WsdlMessage | undefined;
  readonly outputMessage: WsdlMessage | undefined;
  readonly faults: readonly { readonly name: string; readonly type: TypeExpr }[];
}

const EMPTY: TypeExpr = { k: 'object', props: [], index: undefined };

function partExpr(mapper: TypeMapper, part: MessagePart, msg: WsdlMessage): TypeExpr {
  if (part.element !== undefined) {
    if (
      mapper.lookupElement(
        part.element,
        msg.loc,
        `part '${part.name}' of message '${msg.name}'`,
      ) === undefined
    )
      return UNKNOWN;
    return { k: 'ref', name: mapper.elementName(qnameKey(part.element)), schema: true };
  }
  if (part.type !== undefined)
    return mapper.useExpr(
      { kind: 'named', qname: part.type },
      msg.loc,
      `part '${part.name}' of message '${msg.name}'`,
    );
  return STRING;
}

function messageExpr(
  mapper: TypeMapper,
  msg: WsdlMessage | undefined,
  style: 'rpc' | 'document',
  messageKey: string | undefined,
  binding: BodyBinding | undefined,
): TypeExpr {
  if (msg === undefined) return EMPTY;
  // The body carries the parts `soap:body parts` names (all by default) less those bound to headers.
  const parts = msg.parts.filter(
    (p) =>
      (binding?.parts === undefined || binding.parts.includes(p.name)) &&
      !(binding?.headers ?? []).some((h) => h.message === messageKey && h.part === p.name),
  );
  if (parts.length === 0) return EMPTY;
  const only = parts[0];
  // Document style: node-soap takes and returns the content of the one body element.
  if (style === 'document' && parts.length === 1 && only !== undefined)
    return partExpr(mapper, only, msg);
  const props: PropExpr[] = parts.map((p) => ({
    name: style === 'document' && p.element !== undefined ? p.element.name : p.name,
    optional: false,
    type: partExpr(mapper, p, msg),
    doc: undefined,
  }));
  return { k: 'object', props, index: undefined };
}

/** A fault's `detail` as node-soap parses it: the fault element(s) keyed by element name. */
function faultDetailExpr(mapper: TypeMapper, msg: WsdlMessage | undefined): TypeExpr {
  if (msg === undefined || msg.parts.length === 0) return UNKNOWN;
  return {
    k: 'object',
    props: msg.parts.map((p) => ({
      name: p.element?.name ?? p.name,
      optional: false,
      type: partExpr(mapper, p, msg),
      doc: undefined,
    })),
    index: undefined,
  };
}

/** The operations of a binding, in port type order. */
export function operationsOf(
  model: WsdlModel,
  mapper: TypeMapper,
  bindingKey: string,
): OperationShape[] {
  const binding = model.bindings.get(bindingKey);
  const portType = binding === undefined ? undefined : model.portTypes.get(binding.portType);
  if (binding === undefined || portType === undefined) return [];
  return portType.operations.map((op) => {
    const bop: BindingOperation | undefined = binding.operations.get(op.name);
    const style = bop?.style ?? 'document';
    const inputMessage = op.input === undefined ? undefined : model.messages.get(op.input);
    const outputMessage = op.output === undefined ? undefined : model.messages.get(op.output);
    return {
      name: op.name,
      doc: op.doc,
      soapAction: bop?.soapAction,
      style,
      input:
        op.input === undefined
          ? undefined
          : messageExpr(mapper, inputMessage, style, op.input, bop?.input),
      output:
        op.output === undefined
          ? undefined
          : messageExpr(mapper, outputMessage, style, op.output, bop?.output),
      outputUse: (op.output === undefined ? bop?.input.use : bop?.output.use) ?? 'literal',
      inputMessage,
      outputMessage,
      faults: op.faults.map((f) => ({
        name: f.name,
        type: faultDetailExpr(mapper, model.messages.get(f.message)),
      })),
    };
  });
}
