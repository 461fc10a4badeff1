/**
 * node-soap, the runtime under generated clients and the mock's server, reads WSDL 1.1 only. For a
 * WSDL 2.0 document this writes the WSDL 1.1 equivalent of its SOAP endpoints: document/literal,
 * one-part messages, SOAP 1.1 or 1.2 bindings as `wsoap:version` says, `wsoap:action` as the SOAP
 * action, and the schemas (see wsdl20-types.ts). Every component of every description read (imported
 * ones too) lands in one `definitions` of the root's target namespace under a name of its own, as
 * node-soap looks messages, port types and bindings up by local name. Every prefix used is declared.
 *
 * What has no WSDL 1.1 equivalent is refused with `WSDL_UNSUPPORTED`, naming the construct and
 * where it is: message exchange patterns other than in-out, in-only and robust-in-only, `#any` and
 * `#other` message content, and elements in no namespace.
 */
import { CodegenError } from './errors.js';
import type { LoadedWsdl } from './loader.js';
import { SOAP11_BINDING_NS, SOAP12_BINDING_NS, WSDL11_NS } from './namespaces.js';
import type { Binding, PortType, PortTypeOperation, WsdlMessage, WsdlModel } from './wsdl-model.js';
import { escapeAttr, typesOf } from './wsdl20-types.js';

/** The message exchange patterns a WSDL 1.1 operation can express (request-response, one-way). */
const PATTERNS = new Set(['in-out', 'in-only', 'robust-in-only']);

/** The address of an endpoint that declares none: callers pass their own. */
export const NO_ADDRESS = 'http://localhost/';

function localOf(key: string): string {
  return key.slice(key.indexOf('}') + 1);
}

/** Unique NCNames: the wanted name made an NCName, suffixed `_2`, `_3`, ... when taken. */
class Names {
  readonly #taken = new Set<string>();
  readonly #byKey = new Map<string, string>();

  of(key: string, wanted: string): string {
    let name = this.#byKey.get(key);
    if (name !== undefined) return name;
    const base = /^[A-Za-z_]/.test(wanted)
      ? wanted.replace(/[^A-Za-z0-9_.-]/g, '_')
      : `_${wanted.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    name = base;
    for (let i = 2; this.#taken.has(name); i += 1) name = `${base}_${i}`;
    this.#taken.add(name);
    this.#byKey.set(key, name);
    return name;
  }
}

/** The short name of a pattern URI (`.../in-out` is `in-out`); absent is in-out (WSDL 2.0 default). */
function patternName(op: PortTypeOperation): string {
  return op.pattern === undefined
    ? 'in-out'
    : (op.pattern.replace(/\/+$/, '').split('/').pop() ?? '');
}

class Writer {
  readonly #model: WsdlModel;
  readonly #prefixes = new Map<string, string>();
  readonly #messages = new Names();
  readonly #portTypes = new Names();
  readonly #bindings = new Names();
  readonly #body = {
    messages: [] as string[],
    portTypes: [] as string[],
    bindings: [] as string[],
  };
  readonly #done = new Set<string>();

  constructor(model: WsdlModel) {
    this.#model = model;
  }

  /** `prefix:name` for a QName, its prefix declared on `definitions`. */
  qname(ns: string, name: string): string {
    let prefix = this.#prefixes.get(ns);
    if (prefix === undefined) {
      prefix = `n${this.#prefixes.size}`;
      this.#prefixes.set(ns, prefix);
    }
    return `${prefix}:${name}`;
  }

  /** Our own components live in the root's namespace. */
  tns(name: string): string {
    return this.qname(this.#model.targetNamespace, name);
  }

  declarations(): string {
    return [...this.#prefixes]
      .map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttr(ns)}"`)
      .join('');
  }

  body(): string[] {
    return [...this.#body.messages, ...this.#body.portTypes, ...this.#body.bindings];
  }

  #message(key: string, op: PortTypeOperation, role: string): string {
    const name = this.#messages.of(key, localOf(key).replace(/#/g, '_'));
    if (this.#done.has(`m${key}`)) return name;
    this.#done.add(`m${key}`);
    const msg: WsdlMessage | undefined = this.#model.messages.get(key);
    if (msg?.content === '#any' || msg?.content === '#other') {
      throw new CodegenError(
        'WSDL_UNSUPPORTED',
        `operation '${op.name}': the ${role} is ${msg.content === '#any' ? 'element="#any" (any element)' : 'not one XML element (element="#other" or no element)'}; node-soap sends and reads one declared element per message`,
        { location: msg.loc },
      );
    }
    const parts = (msg?.parts ?? []).map((p) => {
      const el = p.element;
      if (el === undefined) return '';
      if (el.ns === '') {
        throw new CodegenError(
          'WSDL_UNSUPPORTED',
          `operation '${op.name}': the ${role} element '${el.name}' is in no namespace; node-soap finds message elements by namespace`,
          { location: msg?.loc ?? op.loc },
        );
      }
      return `<part name="parameters" element="${this.qname(el.ns, el.name)}"/>`;
    });
    this.#body.messages.push(`  <message name="${escapeAttr(name)}">${parts.join('')}</message>`);
    return name;
  }

  /** The port type `pt` for the binding `key`, written once; its name. */
  portType(key: string, pt: PortType): string {
    const name = this.#portTypes.of(key, pt.name);
    if (this.#done.has(`p${key}`)) return name;
    this.#done.add(`p${key}`);
    const ops = pt.operations.map((op) => {
      const pattern = patternName(op);
      if (!PATTERNS.has(pattern)) {
        throw new CodegenError(
          'WSDL_UNSUPPORTED',
          `operation '${op.name}' of interface '${pt.name}' has pattern ${op.pattern ?? ''}; node-soap calls in-out, in-only and robust-in-only operations only`,
          { location: op.loc },
        );
      }
      const input = op.input === undefined ? '' : this.#message(op.input, op, 'input');
      const output =
        op.output === undefined || pattern !== 'in-out'
          ? ''
          : this.#message(op.output, op, 'output');
      return [
        `    <operation name="${escapeAttr(op.name)}">`,
        input === '' ? '' : `<input message="${this.tns(input)}"/>`,
        output === '' ? '' : `<output message="${this.tns(output)}"/>`,
        ...op.faults.map(
          (f) =>
            `<fault name="${escapeAttr(f.name)}" message="${this.tns(this.#message(f.message, op, `fault '${f.name}'`))}"/>`,
        ),
        '</operation>',
      ].join('');
    });
    this.#body.portTypes.push(
      `  <portType name="${escapeAttr(name)}">\n${ops.join('\n')}\n  </portType>`,
    );
    return name;
  }

  /** The SOAP binding of `key`, written once with its port type; its name. */
  binding(key: string, b: Binding, pt: PortType): string {
    const name = this.#bindings.of(key, b.name);
    if (this.#done.has(`b${key}`)) return name;
    this.#done.add(`b${key}`);
    // A port type of its own: node-soap shares a port type's operations among the bindings of it,
    // so the last binding's SOAP actions and body settings would win for all of them.
    const ptName = this.portType(key, pt);
    const soap = b.soapVersion === '1.2' ? 'soap12' : 'soap';
    const ops = pt.operations.map((op) => {
      const action = b.operations.get(op.name)?.soapAction ?? '';
      const oneWay = patternName(op) !== 'in-out';
      return [
        `    <operation name="${escapeAttr(op.name)}"><${soap}:operation soapAction="${escapeAttr(action)}" style="document"/>`,
        op.input === undefined ? '' : `<input><${soap}:body use="literal"/></input>`,
        op.output === undefined || oneWay ? '' : `<output><${soap}:body use="literal"/></output>`,
        ...op.faults.map(
          (f) =>
            `<fault name="${escapeAttr(f.name)}"><${soap}:fault name="${escapeAttr(f.name)}" use="literal"/></fault>`,
        ),
        '</operation>',
      ].join('');
    });
    this.#body.bindings.push(
      `  <binding name="${escapeAttr(name)}" type="${this.tns(ptName)}">\n    <${soap}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n${ops.join('\n')}\n  </binding>`,
    );
    return name;
  }
}

/**
 * The WSDL 1.1 text of a WSDL 2.0 model's SOAP endpoints, or undefined when there are none.
 * `folderAbs` is where the file will live (relative schema locations are re-based on it).
 */
export function wsdl11Equivalent(
  model: WsdlModel,
  loaded: LoadedWsdl,
  folderAbs: string,
  banner: string,
): string | undefined {
  const writer = new Writer(model);
  const services: string[] = [];
  for (const svc of model.services) {
    const ports = svc.ports.flatMap((port) => {
      const b = model.bindings.get(port.binding);
      const pt = b === undefined ? undefined : model.portTypes.get(b.portType);
      if (b?.soapVersion === undefined || pt === undefined) return [];
      const binding = writer.binding(port.binding, b, pt);
      const soap = b.soapVersion === '1.2' ? 'soap12' : 'soap';
      return [
        `    <port name="${escapeAttr(port.name)}" binding="${writer.tns(binding)}"><${soap}:address location="${escapeAttr(port.address ?? NO_ADDRESS)}"/></port>`,
      ];
    });
    if (ports.length > 0)
      services.push(
        `  <service name="${escapeAttr(svc.name)}">\n${ports.join('\n')}\n  </service>`,
      );
  }
  if (services.length === 0) return undefined;
  const types = typesOf(loaded, folderAbs);
  return [
    banner,
    `<definitions xmlns="${WSDL11_NS}" xmlns:soap="${SOAP11_BINDING_NS}" xmlns:soap12="${SOAP12_BINDING_NS}"${writer.declarations()} targetNamespace="${escapeAttr(model.targetNamespace)}">`,
    `  <types>\n    ${types.join('\n    ')}\n  </types>`,
    ...writer.body(),
    ...services,
    '</definitions>',
    '',
  ].join('\n');
}
