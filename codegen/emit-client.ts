/** Emits `client.generated.ts`: one typed client class per SOAP service port. */
import {
  Scope,
  StructureKind,
  VariableDeclarationKind,
  type ClassDeclarationStructure,
  type ImportDeclarationStructure,
  type InterfaceDeclarationStructure,
  type MethodDeclarationStructure,
  type OptionalKind,
  type StatementStructures,
} from 'ts-morph';
import { NameAllocator, toMethodName, toPascal } from './names.js';
import { operationsOf } from './operations.js';
import { CoercionBuilder, type Coercion } from './coercion.js';
import { ShapeBuilder } from './shape-builder.js';
import {
  docSafe,
  printType,
  propertyName,
  quote,
  textWriter,
  typeWriter,
  union,
  type PropExpr,
  type TypeExpr,
} from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';
import type { WsdlModel } from '../wsdl/index.js';

/** The package subpath generated clients import their runtime from. */
export const RUNTIME_MODULE = 'aes-endpoint-server/soap-client';

export interface EmittedClients {
  readonly statements: StatementStructures[];
  readonly clients: readonly {
    readonly className: string;
    readonly service: string;
    readonly port: string;
  }[];
  readonly notes: readonly string[];
}

const RESERVED_CLASS_NAMES = [
  'COERCIONS',
  'CoercionTable',
  'GeneratedSoapClient',
  'createPortClient',
  'CallOptions',
  'SoapClientOptions',
  'PortInfo',
  'SoapClient',
  'T',
  'WSDL',
  'DESERIALIZERS',
  'SoapFaultError',
];
export const RESERVED_MEMBERS = ['constructor', 'soapClient', 'invokeOperation'];

/** `wsdl` is the expression of the runtime WSDL location (a `new URL(...)` or a string literal). */
export function emitClients(
  model: WsdlModel,
  mapper: TypeMapper,
  wsdlExpression: string,
  runtimeModule: string = RUNTIME_MODULE,
): EmittedClients {
  const notes: string[] = [];
  const classes: ClassDeclarationStructure[] = [];
  const clients: { className: string; service: string; port: string }[] = [];
  const allocator = new NameAllocator({ reserved: RESERVED_CLASS_NAMES });
  const shapes = new ShapeBuilder(mapper);
  const coercions = new CoercionBuilder(mapper, shapes);
  // SOAP-encoded results need specs of their own: every value may arrive in an xsi:type wrapper.
  const encodedCoercions = new CoercionBuilder(mapper, shapes, 'encoded');
  const portCounts = new Map<string, number>();
  let usesFaults = false;
  let usesTypes = false;
  const faultInterfaces: InterfaceDeclarationStructure[] = [];
  for (const s of model.services)
    for (const p of s.ports) portCounts.set(p.name, (portCounts.get(p.name) ?? 0) + 1);
  if (model.services.length === 0) {
    notes.push('no wsdl:service: there is no client to make (types only)');
  }
  for (const service of [...model.services].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const port of [...service.ports].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const binding = model.bindings.get(port.binding);
      if (binding?.soapVersion === undefined) {
        notes.push(`port ${service.name}/${port.name} has no SOAP binding: no client for it`);
        continue;
      }
      const pascalPort = toPascal(port.name);
      const className = allocator.allocate(
        (portCounts.get(port.name) ?? 0) > 1
          ? `${toPascal(service.name)}${pascalPort}Client`
          : `${pascalPort}Client`,
      );
      const faultsName = allocator.allocate(`${className}Faults`);
      clients.push({ className, service: service.name, port: port.name });
      const members = new NameAllocator({ reserved: [...RESERVED_MEMBERS, 'isFault'] });
      const faultProps: PropExpr[] = [];
      const methods: OptionalKind<MethodDeclarationStructure>[] = [];
      for (const op of operationsOf(model, mapper, port.binding)) {
        const name = members.allocate(toMethodName(op.name));
        for (const e of [op.input, op.output, ...op.faults.map((f) => f.type)]) {
          if (e !== undefined && refersToSchema(e)) usesTypes = true;
        }
        if (op.faults.length > 0) {
          faultProps.push({
            name: op.name,
            optional: false,
            type: union(op.faults.map((f) => f.type)),
            doc: `Faults of \`${op.name}\`: ${op.faults.map((f) => f.name).join(', ')}.`,
          });
        }
        const output = op.output === undefined ? 'void' : printType(op.output, 'T.');
        const encoded = op.output !== undefined && op.outputUse === 'encoded';
        const spec =
          op.output === undefined
            ? undefined
            : (encoded ? encodedCoercions : coercions).of(op.output);
        const faultSpec =
          op.faults.length === 0 ? undefined : coercions.of(union(op.faults.map((f) => f.type)));
        // invokeOperation(name, input, options, output?, faultDetail?, binding?): trailing
        // undefined ones left out; the binding's default is document/literal.
        const binding = `${op.style}/${op.outputUse}`;
        const args = [
          spec === undefined ? 'undefined' : specText(spec),
          faultSpec === undefined ? 'undefined' : specText(faultSpec),
          binding === 'document/literal' ? 'undefined' : quote(binding),
        ];
        while (args[args.length - 1] === 'undefined') args.pop();
        const specArg = args.map((a) => `, ${a}`).join('');
        const params = [
          op.input === undefined || isEmpty(op.input)
            ? { name: 'input', type: 'Record<string, never>', initializer: '{}' }
            : { name: 'input', type: typeWriter(op.input, 'T.') },
          { name: 'options', type: 'CallOptions', hasQuestionToken: true },
        ];
        const doc = [
          op.doc,
          `Operation \`${op.name}\` (${op.style}${op.soapAction ? `, SOAP action \`${op.soapAction}\`` : ''}).`,
          op.faults.length > 0
            ? `@throws SoapFaultError for the faults ${op.faults.map((f) => `\`${f.name}\``).join(', ')}`
            : '@throws SoapFaultError when the service answers with a SOAP fault',
        ].filter((d): d is string => d !== undefined);
        methods.push({
          name,
          isAsync: true,
          parameters: params,
          returnType: textWriter(`Promise<${output}>`),
          docs: [{ description: docSafe(doc.join('\n\n')) }],
          statements:
            op.output === undefined
              ? [`await this.invokeOperation(${quote(op.name)}, input, options${specArg});`]
              : [
                  `return (await this.invokeOperation(${quote(op.name)}, input, options${specArg})) as ${output};`,
                ],
        });
      }
      const portInfo = `{ wsdl: WSDL, service: ${quote(service.name)}, port: ${quote(port.name)}, soapVersion: '${binding.soapVersion}', deserializers: DESERIALIZERS, coercions: COERCIONS }`;
      classes.push({
        kind: StructureKind.Class,
        name: className,
        isExported: true,
        extends: 'GeneratedSoapClient',
        docs: [
          {
            description: docSafe(
              [
                service.doc,
                port.doc,
                `Service \`${service.name}\`, port \`${port.name}\` (SOAP ${binding.soapVersion})${port.address === undefined ? '' : `, default endpoint ${port.address}`}.`,
              ]
                .filter((d): d is string => d !== undefined)
                .join('\n\n'),
            ),
          },
        ],
        properties: [
          {
            name: 'PORT',
            isStatic: true,
            isReadonly: true,
            type: 'PortInfo',
            initializer: portInfo,
            docs: ['The port this client calls.'],
          },
        ],
        ctors: [
          {
            scope: Scope.Private,
            parameters: [
              { name: 'client', type: 'SoapClient' },
              { name: 'options', type: 'SoapClientOptions' },
            ],
            statements: [`super(client, ${className}.PORT, options);`],
          },
        ],
        methods: [
          {
            name: 'create',
            isStatic: true,
            isAsync: true,
            parameters: [{ name: 'options', type: 'SoapClientOptions', initializer: '{}' }],
            returnType: `Promise<${className}>`,
            docs: ['Loads the WSDL with node-soap and returns a client for this port.'],
            statements: [
              `return new ${className}(await createPortClient(${className}.PORT, options), options);`,
            ],
          },
          ...(faultProps.length > 0 ? [faultGuard(faultsName)] : []),
          ...methods,
        ],
      });
      if (faultProps.length > 0) {
        usesFaults = true;
        faultInterfaces.push({
          kind: StructureKind.Interface,
          name: faultsName,
          isExported: true,
          docs: [
            `The typed \`detail\` of each operation's SOAP faults (see \`${className}.isFault\`).`,
          ],
          properties: faultProps.map((p) => ({
            name: propertyName(p.name),
            type: typeWriter(p.type, 'T.'),
            ...(p.doc === undefined ? {} : { docs: [p.doc] }),
          })),
        });
      }
    }
  }
  if (classes.length === 0) return { statements: [], clients, notes };
  const imports: ImportDeclarationStructure[] = [
    {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: runtimeModule,
      namedImports: [
        'createPortClient',
        'GeneratedSoapClient',
        ...(usesFaults ? ['SoapFaultError'] : []),
        'type CallOptions',
        'type CoercionTable',
        'type PortInfo',
        'type SoapClient',
        'type SoapClientOptions',
      ],
    },
  ];
  if (usesTypes) {
    imports.push({
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: './types.generated.js',
      isTypeOnly: true,
      namespaceImport: 'T',
    });
  }
  const deserializers = [...mapper.deserializers.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const table = [...coercions.entries(), ...encodedCoercions.entries()].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  );
  const statements: StatementStructures[] = [
    ...imports,
    {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      docs: [
        'Where node-soap reads the WSDL at run time (override with `SoapClientOptions.wsdl`).',
      ],
      declarations: [{ name: 'WSDL', initializer: wsdlExpression }],
    },
    {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      docs: ['Schema simple types whose values arrive as numbers or booleans.'],
      declarations: [
        {
          name: 'DESERIALIZERS',
          type: "Readonly<Record<string, 'number' | 'boolean'>>",
          initializer: `{${deserializers.map(([k, v]) => ` ${quote(k)}: '${v}'`).join(',')}${deserializers.length > 0 ? ' ' : ''}}`,
        },
      ],
    },
    {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      docs: ['Where numbers and booleans sit in results, by type (node-soap leaves some as text).'],
      declarations: [
        {
          name: 'COERCIONS',
          type: 'CoercionTable',
          initializer: textWriter(
            `{${table
              .map(([k, v]) => `\n  ${propertyName(k)}: ${specText(v)}`)
              .join(',')}${table.length > 0 ? ',\n' : ''}}`,
          ),
        },
      ],
    },
    ...faultInterfaces,
    ...classes,
  ];
  return { statements, clients, notes };
}

/** `static isFault(err, operation)`: narrows an error to a fault of that operation, typed. */
function faultGuard(faultsName: string): OptionalKind<MethodDeclarationStructure> {
  return {
    name: 'isFault',
    isStatic: true,
    typeParameters: [{ name: 'K', constraint: `keyof ${faultsName}` }],
    parameters: [
      { name: 'err', type: 'unknown' },
      { name: 'operation', type: 'K' },
    ],
    returnType: `err is SoapFaultError<${faultsName}[K]>`,
    docs: [
      `True when \`err\` is a SOAP fault answered to \`operation\`; its \`fault.detail\` is then typed.`,
    ],
    statements: ['return err instanceof SoapFaultError && err.operation === operation;'],
  };
}

/** A coercion spec as a TypeScript literal: `{ out: '@Struct', count: 'n' }`. */
function specText(spec: Coercion): string {
  if (typeof spec === 'string') return quote(spec);
  if (Object.keys(spec).length === 0) return '{}';
  return `{ ${Object.entries(spec)
    .map(([k, v]) => `${propertyName(k)}: ${specText(v)}`)
    .join(', ')} }`;
}

function refersToSchema(e: TypeExpr): boolean {
  switch (e.k) {
    case 'ref':
      return e.schema;
    case 'array':
      return refersToSchema(e.item);
    case 'union':
    case 'intersection':
      return e.items.some(refersToSchema);
    case 'omit':
      return refersToSchema(e.base);
    case 'object':
      return (
        e.props.some((p) => refersToSchema(p.type)) ||
        (e.index !== undefined && refersToSchema(e.index))
      );
    default:
      return false;
  }
}

function isEmpty(expr: TypeExpr): boolean {
  return expr.k === 'object' && expr.props.length === 0 && expr.index === undefined;
}
