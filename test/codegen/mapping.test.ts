/**
 * The type mapping on a synthetic schema that has every construct at once: the emitted
 * declarations read as documented and type-check strictly; plus the small pure helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodegenError, describeWsdl, generateSources } from '../../codegen/index.js';
import { coerce } from '../../soap-client/index.js';
import { NameAllocator, toIdentifier, toMethodName } from '../../codegen/names.js';
import { decodeXml, parseXml } from '../../wsdl/xml.js';
import { corpusDir, tempDir, typeCheck } from './support.js';

const SCHEMA = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:m" targetNamespace="urn:m">
  <types>
    <xsd:schema targetNamespace="urn:m" elementFormDefault="qualified">
      <xsd:simpleType name="Color"><xsd:restriction base="xsd:string">
        <xsd:enumeration value="red"/><xsd:enumeration value="green"/></xsd:restriction></xsd:simpleType>
      <xsd:simpleType name="Percent"><xsd:restriction base="xsd:int"><xsd:maxInclusive value="100"/></xsd:restriction></xsd:simpleType>
      <xsd:simpleType name="Tags"><xsd:list itemType="xsd:string"/></xsd:simpleType>
      <xsd:complexType name="Shape" abstract="true"><xsd:sequence><xsd:element name="id" type="xsd:long"/></xsd:sequence></xsd:complexType>
      <xsd:complexType name="Circle"><xsd:complexContent><xsd:extension base="tns:Shape">
        <xsd:sequence><xsd:element name="radius" type="xsd:double"/></xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>
      <xsd:complexType name="Square"><xsd:complexContent><xsd:extension base="tns:Shape">
        <xsd:sequence><xsd:element name="side" type="xsd:double"/></xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>
      <xsd:complexType name="Money"><xsd:simpleContent><xsd:extension base="xsd:decimal">
        <xsd:attribute name="currency" type="xsd:string" use="required"/></xsd:extension></xsd:simpleContent></xsd:complexType>
      <xsd:complexType name="Node"><xsd:sequence>
        <xsd:element name="children" type="tns:Node" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>
      <xsd:complexType name="class"><xsd:sequence>
        <xsd:element name="shape" type="tns:Shape"/>
        <xsd:choice><xsd:element name="byName" type="xsd:string"/><xsd:element name="byId" type="xsd:int"/></xsd:choice>
        <xsd:element name="color" type="tns:Color" nillable="true"/>
        <xsd:element name="price" type="tns:Money" minOccurs="0"/>
        <xsd:element name="tags" type="tns:Tags"/>
        <xsd:element name="done" type="xsd:boolean"/>
        <xsd:element ref="tns:event" maxOccurs="unbounded"/>
        <xsd:any minOccurs="0"/>
      </xsd:sequence><xsd:attribute name="version" type="xsd:string" use="required"/></xsd:complexType>
      <xsd:element name="event" type="xsd:string" abstract="true"/>
      <xsd:element name="created" type="xsd:dateTime" substitutionGroup="tns:event"/>
      <xsd:element name="deleted" type="xsd:dateTime" substitutionGroup="tns:event"/>
      <xsd:element name="Node" type="tns:Node"/>
    </xsd:schema>
  </types>
</definitions>
`;

test('every construct maps as documented, and the result type-checks', async () => {
  const { dir, cleanup } = await tempDir('mapping');
  try {
    const file = path.join(dir, 'mapping.wsdl');
    writeFileSync(file, SCHEMA);
    const { files, summary } = await generateSources(file, path.join(dir, 'out'));
    assert.equal(summary.types, 13);
    assert.deepEqual(summary.warnings, []);
    assert.match(summary.notes.join(), /no wsdl:service/);
    const types = files.find((f) => f.name === 'types.generated.ts')?.text ?? '';
    const expect = (re: RegExp): void => assert.match(types, re);
    expect(/export type Color = 'red' \| 'green';/);
    expect(/export type Percent = number;/);
    expect(/export type Tags = string;/);
    expect(/export interface Shape \{\n {2}id: string;\n\}/);
    expect(/export interface Circle extends Shape \{\n {2}radius: number;\n\}/);
    expect(/export type AnyShape = Circle \| Square;/);
    expect(/export type Money = \{\n\s+\$value: string;\n\s+attributes: \{\n\s+currency: string;/);
    expect(/export interface Node \{\n {2}children\?: Node\[\];\n\}/);
    expect(/export type NodeElement = Node;/);
    expect(/export type class_ = \{\n/);
    expect(/shape: AnyShape;/);
    expect(/\} & \(\{\n {2}byName: string;\n\} \| \{\n {2}byId: number;\n\}\);/);
    expect(/color: Color \| null;/);
    expect(/price\?: Money;/);
    expect(/done: boolean;/);
    expect(/created\?: created\[\];\n\s+deleted\?: deleted\[\];/);
    expect(/\[name: string\]: unknown;/);
    expect(/attributes: \{\n\s+version: string;/);
    expect(/export type event = string;/);
    assert.doesNotMatch(types, /\bany\b(?!\s*(type|derived))/i);
    const out = path.join(dir, 'out');
    const typesFile = path.join(out, 'types.generated.ts');
    mkdirSync(out, { recursive: true });
    writeFileSync(typesFile, types);
    assert.deepEqual([...typeCheck(dir, [typesFile]).values()].flat(), []);
  } finally {
    await cleanup();
  }
});

test('WSDL 2.0 with a draft namespace: interface, SOAP 1.2 binding, endpoint', async () => {
  const d = await describeWsdl(
    path.join(corpusDir(), 'axis2-wsdl20-hotel/HotelReservationService.wsdl'),
  );
  assert.equal(d.version, '2.0');
  const port = d.services[0]?.ports[0];
  assert.equal(port?.soapVersion, '1.2');
  assert.equal(port?.operations[0]?.name, 'opCheckAvailability');
  assert.match(port?.operations[0]?.input ?? '', /checkInDate: string;/);
  const { files, summary } = await generateSources(
    path.join(corpusDir(), 'axis2-wsdl20-hotel/HotelReservationService.wsdl'),
    path.join(corpusDir(), 'out'),
  );
  assert.deepEqual(files.map((f) => f.name).sort(), [
    'client.generated.ts',
    'index.generated.ts',
    'types.generated.ts',
    'wsdl11.generated.wsdl',
  ]);
  assert.equal(summary.clients[0]?.className, 'ReservationEndpointClient');
  assert.match(
    files.find((f) => f.name === 'client.generated.ts')?.text ?? '',
    /new URL\('\.\/wsdl11\.generated\.wsdl', import\.meta\.url\)/,
  );
});

test('names: identifiers, keywords, case-insensitive allocation, method names', () => {
  assert.equal(
    toIdentifier('Z_STORE_TEMPLATE_GET_ALL.Response'),
    'Z_STORE_TEMPLATE_GET_ALL_Response',
  );
  assert.equal(toIdentifier('class'), 'class_');
  assert.equal(toIdentifier('string'), 'string_');
  assert.equal(toIdentifier('1st'), '_1st');
  assert.equal(toMethodName('prefixed-MyOperation'), 'prefixedMyOperation');
  assert.equal(toMethodName('GetQuote'), 'getQuote');
  const folders = new NameAllocator({ caseInsensitive: true });
  assert.equal(folders.allocate('EMailDetail'), 'EMailDetail');
  assert.equal(folders.allocate('EmailDetail'), 'EmailDetail_2');
  const types = new NameAllocator();
  assert.equal(types.allocate('EMailDetail'), 'EMailDetail');
  assert.equal(types.allocate('EmailDetail'), 'EmailDetail');
});

test('coerce converts text where the spec says, through arrays, refs and $value', () => {
  const table = { Item: { qty: 'n' as const, ok: 'b' as const } };
  assert.deepEqual(
    coerce(
      {
        items: [
          { qty: '2', ok: 'true', name: '7' },
          { qty: '3', ok: '0' },
        ],
        total: { $value: '5', attributes: { unit: 'x' } },
      },
      { items: '@Item', total: 'n' },
      table,
    ),
    {
      items: [
        { qty: 2, ok: true, name: '7' },
        { qty: 3, ok: false },
      ],
      total: { $value: 5, attributes: { unit: 'x' } },
    },
  );
  assert.equal(coerce('INF', 'n', {}), Number.POSITIVE_INFINITY);
  // A lone occurrence of a repeated element becomes a list, as its type says.
  assert.deepEqual(
    coerce(
      { ids: '4', tags: 'x', rows: { a: '1' } },
      { ids: 'n[]', tags: '[]', rows: { a: 'n', '[]': '[]' } },
      {},
    ),
    {
      ids: [4],
      tags: ['x'],
      rows: [{ a: 1 }],
    },
  );
  assert.equal(coerce(null, 'n', {}), null);
  // Simple content that arrives without its attributes is the bare value, converted all the same.
  assert.deepEqual(coerce({ total: '5' }, { total: { $value: 'n' } }, {}), { total: 5 });
});

test('coerce decodes SOAP-encoded results: xsi:type wrappers, SOAP arrays, encoding attributes', () => {
  const xsi = (type: string, $value?: string): Record<string, unknown> => ({
    attributes: { 'xsi:type': `xsd:${type}` },
    ...($value === undefined ? {} : { $value }),
  });
  const table = {
    'encoded:Line': { sku: 's', qty: 'n' },
    'encoded:Parcel': { attributes: { unit: 's' }, weight: 'n' },
  } as const;
  const result = coerce(
    {
      attributes: { 'SOAP-ENV:encodingStyle': 'http://schemas.xmlsoap.org/soap/encoding/' },
      code: xsi('int', '85'),
      ok: xsi('boolean', '1'),
      note: xsi('string'),
      count: xsi('int'),
      when: xsi('dateTime', '2024-01-02T03:04:05Z'),
      lines: {
        attributes: { 'xsi:type': 'SOAP-ENC:Array', 'SOAP-ENC:arrayType': 'ns:Line[3]' },
        item: [
          { attributes: { 'xsi:type': 'ns:Line' }, sku: xsi('string', 'a'), qty: xsi('int', '1') },
          { sku: 'b', qty: '2' },
        ],
        Line: { sku: 'c', qty: '3' },
      },
      none: { attributes: { 'SOAP-ENC:arrayType': 'xsd:int[0]' } },
      parcel: { attributes: { 'xsi:type': 'ns:Parcel', unit: 'kg' }, weight: xsi('double', '2.5') },
    },
    {
      code: 'n',
      ok: 'b',
      note: 's',
      count: 'n',
      when: 's',
      lines: '@encoded:Line[*]',
      none: 'n[*]',
      parcel: '@encoded:Parcel',
    },
    table,
    'encoded',
  );
  assert.deepEqual(result, {
    code: 85,
    ok: true,
    note: '',
    count: null,
    when: '2024-01-02T03:04:05Z',
    // Items whatever their element names, each name's occurrences in order.
    lines: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 2 },
      { sku: 'c', qty: 3 },
    ],
    none: [],
    // A type that declares attributes keeps them.
    parcel: { attributes: { 'xsi:type': 'ns:Parcel', unit: 'kg' }, weight: 2.5 },
  });
  // Literal results keep a simple-content wrapper and its attributes; SOAP arrays unwrap alike.
  assert.deepEqual(coerce({ a: xsi('int', '1') }, { a: 'n' }, {}), {
    a: { attributes: { 'xsi:type': 'xsd:int' }, $value: 1 },
  });
  assert.deepEqual(coerce({ attributes: {}, item: ['1', '2'] }, 'n[*]', {}), [1, 2]);
});

/** One port type bound twice, rpc/encoded and rpc/literal, over a base type with a subtype. */
const ENCODED = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:enc="http://schemas.xmlsoap.org/soap/encoding/"
  xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:e" targetNamespace="urn:e">
  <types>
    <xsd:schema targetNamespace="urn:e">
      <xsd:complexType name="Item"><xsd:sequence>
        <xsd:element name=" label " type="xsd:string"/><xsd:element name="n" type="xsd:int"/>
      </xsd:sequence><xsd:attribute name="unit" type="xsd:string"/></xsd:complexType>
      <xsd:complexType name="Special"><xsd:complexContent><xsd:extension base="tns:Item">
        <xsd:sequence><xsd:element name="flag" type="xsd:boolean"/></xsd:sequence>
      </xsd:extension></xsd:complexContent></xsd:complexType>
      <xsd:complexType name="Items"><xsd:complexContent><xsd:restriction base="enc:Array">
        <xsd:attribute ref="enc:arrayType" wsdl:arrayType="tns:Item[]"/>
      </xsd:restriction></xsd:complexContent></xsd:complexType>
    </xsd:schema>
  </types>
  <message name="in"><part name="id" type="xsd:string"/></message>
  <message name="out"><part name="count " type="xsd:int"/><part name="items" type="tns:Items"/></message>
  <portType name="P"><operation name="list"><input message="tns:in"/><output message="tns:out"/></operation></portType>
  <binding name="Enc" type="tns:P"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="list"><soap:operation soapAction="list"/>
      <input><soap:body use="encoded" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></input>
      <output><soap:body use="encoded" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></output>
    </operation></binding>
  <binding name="Lit" type="tns:P"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="list"><soap:operation soapAction="list"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>
    </operation></binding>
  <service name="S">
    <port name="EncPort" binding="tns:Enc"><soap:address location="http://localhost/e"/></port>
    <port name="LitPort" binding="tns:Lit"><soap:address location="http://localhost/l"/></port>
  </service>
</definitions>
`;

test('encoded outputs get specs of their own; names are whitespace-collapsed', async () => {
  const { dir, cleanup } = await tempDir('encoded');
  try {
    const file = path.join(dir, 'encoded.wsdl');
    writeFileSync(file, ENCODED);
    const { files } = await generateSources(file, path.join(dir, 'out'));
    const text = (name: string): string => files.find((f) => f.name === name)?.text ?? '';
    const types = text('types.generated.ts');
    const client = text('client.generated.ts');
    assert.match(types, /export interface Item \{\n {2}label: string;\n {2}n: number;/);
    assert.doesNotMatch(types + client, /"count "|" label "/);
    // Encoded: every value described, SOAP arrays as [*], attributes kept where declared or where
    // xsi:type names a subtype; literal: numbers only, under the plain names.
    assert.match(
      client,
      /"encoded:AnyItem": \{ label: 's', n: 'n', attributes: \{ unit: 's' \}, flag: 'b' \}/,
    );
    assert.match(
      client,
      /\{ count: 'n', items: '@encoded:AnyItem\[\*\]' \}, undefined, 'rpc\/encoded'\)/,
    );
    assert.match(client, /AnyItem: \{ n: 'n', flag: 'b' \}/);
    assert.match(client, /\{ count: 'n', items: '@AnyItem\[\*\]' \}, undefined, 'rpc\/literal'\)/);
  } finally {
    await cleanup();
  }
});

test('documents decode by byte-order mark or declared encoding', () => {
  const latin = Buffer.from(
    '<?xml version="1.0" encoding="ISO-8859-1"?><a x="caf\xe9"/>',
    'latin1',
  );
  assert.equal(parseXml(decodeXml(latin), 'l.xml').attrs.get('x'), 'café');
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a x="é"/>', 'utf8')]);
  assert.equal(parseXml(decodeXml(bom), 'b.xml').attrs.get('x'), 'é');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a x="ü"/>', 'utf16le')]);
  assert.equal(parseXml(decodeXml(utf16), 'u.xml').attrs.get('x'), 'ü');
});

test('the XML reader names file, line and column of malformed XML and undeclared prefixes', () => {
  assert.throws(
    () => parseXml('<a>\n  <b>\n</a>', 'x.wsdl'),
    (err: unknown) =>
      err instanceof CodegenError &&
      err.code === 'WSDL_XML' &&
      /^x\.wsdl:3:\d+: malformed XML/.test(err.message),
  );
  assert.throws(
    () => parseXml('<a xmlns="urn:a"><nope:b/></a>', 'y.xsd'),
    (err: unknown) =>
      err instanceof CodegenError &&
      err.code === 'WSDL_XML' &&
      /^y\.xsd:1:\d+: malformed XML: Unbound namespace prefix/.test(err.message),
  );
});
