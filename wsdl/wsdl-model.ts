/** The normalised service model: services, ports, bindings and operations of a WSDL 1.1 or 2.0. */
import type { SourceLocation } from './errors.js';
import type { QName } from './xml.js';

export interface MessagePart {
  readonly name: string;
  /** Document style: the part is this global element. */
  readonly element: QName | undefined;
  /** RPC style: the part has this type. */
  readonly type: QName | undefined;
}

export interface WsdlMessage {
  readonly name: string;
  readonly parts: readonly MessagePart[];
  readonly loc: SourceLocation;
  /**
   * WSDL 2.0 only: the message's content model when it is not one element (`#none`: no body,
   * `#any`: any element, `#other`: not XML).
   */
  readonly content?: '#none' | '#any' | '#other';
}

export interface OperationMessage {
  /** Key of the message (`{ns}name`); WSDL 2.0 messages are synthesised. */
  readonly message: string;
}

export interface PortTypeOperation {
  readonly name: string;
  readonly doc: string | undefined;
  readonly input: string | undefined;
  readonly output: string | undefined;
  readonly faults: readonly { readonly name: string; readonly message: string }[];
  readonly loc: SourceLocation;
  /** WSDL 2.0 only: the message exchange pattern URI (`http://www.w3.org/ns/wsdl/in-out`, ...). */
  readonly pattern?: string;
}

export interface PortType {
  readonly name: string;
  readonly operations: readonly PortTypeOperation[];
  readonly doc: string | undefined;
}

export type SoapVersion = '1.1' | '1.2';

export interface BindingOperation {
  readonly name: string;
  readonly style: 'rpc' | 'document';
  readonly use: 'literal' | 'encoded';
  readonly soapAction: string | undefined;
  readonly input: BodyBinding;
  readonly output: BodyBinding;
}

export interface BodyBinding {
  /** Parts bound to the body when `soap:body parts` narrows them. */
  readonly parts: readonly string[] | undefined;
  /** Parts bound to SOAP headers (`soap:header message part`), not to the body. */
  readonly headers: readonly { readonly message: string; readonly part: string }[];
  /** `soap:body use`: SOAP-encoded bodies carry `xsi:type` and SOAP arrays (see docs/codegen.md). */
  readonly use: 'literal' | 'encoded';
}

export interface Binding {
  readonly name: string;
  readonly portType: string;
  /** Undefined for non-SOAP (HTTP, MIME-only) bindings. */
  readonly soapVersion: SoapVersion | undefined;
  readonly operations: ReadonlyMap<string, BindingOperation>;
  readonly loc: SourceLocation;
}

export interface Port {
  readonly name: string;
  readonly binding: string;
  readonly address: string | undefined;
  readonly doc: string | undefined;
}

export interface Service {
  readonly name: string;
  readonly ports: readonly Port[];
  readonly doc: string | undefined;
}

export interface WsdlModel {
  readonly version: '1.1' | '2.0' | 'xsd';
  readonly targetNamespace: string;
  readonly doc: string | undefined;
  readonly services: readonly Service[];
  readonly bindings: ReadonlyMap<string, Binding>;
  readonly portTypes: ReadonlyMap<string, PortType>;
  readonly messages: ReadonlyMap<string, WsdlMessage>;
}
