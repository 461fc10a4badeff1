/**
 * The manifest of the standard schemas shipped in the package's `standard-schemas/` folder: for
 * each file, the namespace it defines, the URLs it answers to, where the copy came from and under
 * which licence it is redistributed. `standard-schemas/README.md` says the same for people; a test
 * checks every file's SHA-256 against this list, so a copy cannot drift from its origin unnoticed.
 */

/** The terms under which a standard schema is redistributed. */
export type StandardSchemaLicence =
  /** The W3C Software (and Document) Notice and License: copies keep the notice. */
  | 'W3C'
  /** The OASIS copyright notice: copies, unmodified, keep the notice and its paragraph. */
  | 'OASIS';

/** Where a copy was taken from: a file of a public git repository at a commit. */
export interface StandardSchemaOrigin {
  /** `owner/name` on GitHub. */
  readonly repo: string;
  readonly commit: string;
  readonly path: string;
}

/** One published schema (or WSDL) that the package carries. */
export interface StandardSchema {
  /** File name in `standard-schemas/`. */
  readonly file: string;
  /** What it is, for people. */
  readonly title: string;
  /** The `targetNamespace` it defines. */
  readonly namespace: string;
  /**
   * The published locations it answers to. Each also matches with `https:`, with or without a
   * trailing `/` and with or without a `.xsd` suffix (see `standardSchemaKey`).
   */
  readonly urls: readonly string[];
  readonly licence: StandardSchemaLicence;
  /** The copy shipped, byte for byte. */
  readonly origin: StandardSchemaOrigin;
  /** Other copies compared with it, and how they differ. */
  readonly corroboration: string;
  /** SHA-256 of the file, hex. */
  readonly sha256: string;
}

const CXF = 'apache/cxf';
const CXF_COMMIT = '24c06e09c4db383f076fbf8c3547a105d9d779ff';
const ONVIF_TEST_TOOL = 'kudrinyaroslav/ON-0110';
const ONVIF_TEST_TOOL_COMMIT = 'a13e5dd62efaa1e2810973a6f3cf771ca4727388';
const PYTHON_ONVIF = 'quatanium/python-onvif';
const PYTHON_ONVIF_COMMIT = '09ffc65b8cd9d141b6a386804e7af7028755034e';

/** Every schema of the built-in catalog. */
export const STANDARD_SCHEMAS: readonly StandardSchema[] = [
  {
    file: 'xml.xsd',
    title: 'The xml: namespace (xml:lang, xml:space, xml:base, xml:id), 2009 edition',
    namespace: 'http://www.w3.org/XML/1998/namespace',
    urls: ['http://www.w3.org/2001/xml.xsd', 'http://www.w3.org/2009/01/xml.xsd'],
    licence: 'W3C',
    origin: {
      repo: CXF,
      commit: CXF_COMMIT,
      path: 'rt/ws/eventing/src/main/resources/schemas/xml.xsd',
    },
    corroboration:
      'byte-identical in kudrinyaroslav/ON-0110 (ONVIF test tool) and instructure/ruby-saml2',
    sha256: '61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c',
  },
  {
    file: 'xmlmime.xsd',
    title: 'Describing Media Content of Binary Data in XML (xmime:contentType)',
    namespace: 'http://www.w3.org/2005/05/xmlmime',
    urls: ['http://www.w3.org/2005/05/xmlmime'],
    licence: 'W3C',
    origin: { repo: PYTHON_ONVIF, commit: PYTHON_ONVIF_COMMIT, path: 'wsdl/xmlmime' },
    corroboration:
      'byte-identical in enstns/onvif-python; apache/cxf core xmime.xsd has the same declarations without the header comment',
    sha256: '330ab79ecdd3a8628f12ef4cbe34351e448f9b9231bacad339881ce1a61237a2',
  },
  {
    file: 'xop-include.xsd',
    title: 'XML-binary Optimized Packaging: xop:Include',
    namespace: 'http://www.w3.org/2004/08/xop/include',
    urls: ['http://www.w3.org/2004/08/xop/include'],
    licence: 'W3C',
    origin: { repo: PYTHON_ONVIF, commit: PYTHON_ONVIF_COMMIT, path: 'wsdl/include' },
    corroboration: 'byte-identical in enstns/onvif-python',
    sha256: 'dff9100efce4afb21de0cf673fb7fad103672a169862ab0f12e34c312b20e60d',
  },
  {
    file: 'soap11-envelope.xsd',
    title: 'SOAP 1.1 envelope',
    namespace: 'http://schemas.xmlsoap.org/soap/envelope/',
    urls: ['http://schemas.xmlsoap.org/soap/envelope/'],
    licence: 'W3C',
    origin: { repo: PYTHON_ONVIF, commit: PYTHON_ONVIF_COMMIT, path: 'wsdl/envelope' },
    corroboration: 'enstns/onvif-python has the same text with LF line endings (this copy: CRLF)',
    sha256: '9c66f88b79ad60d6d5b63839bbb709b0cdfd591898c35ac187c3c272c47b52ae',
  },
  {
    file: 'soap12-envelope.xsd',
    title: 'SOAP 1.2 envelope (SOAP Version 1.2 Part 1)',
    namespace: 'http://www.w3.org/2003/05/soap-envelope',
    urls: ['http://www.w3.org/2003/05/soap-envelope'],
    licence: 'W3C',
    origin: {
      repo: ONVIF_TEST_TOOL,
      commit: ONVIF_TEST_TOOL_COMMIT,
      path: 'Samples/SoapSerializer/Schemas/soap-envelope.xsd',
    },
    corroboration:
      'the same blob at 11 paths of the ONVIF test tool; enstns/onvif-python and phax/phase4 carry edited copies (header or import changed)',
    sha256: '3ae8caa9a74e83528cc0e1a59fc12784435e8e0086e890d0e1b04d881c079bec',
  },
  {
    file: 'ws-addr.xsd',
    title: 'Web Services Addressing 1.0 - Core',
    namespace: 'http://www.w3.org/2005/08/addressing',
    urls: [
      'http://www.w3.org/2005/08/addressing/ws-addr.xsd',
      'http://www.w3.org/2006/03/addressing/ws-addr.xsd',
    ],
    licence: 'W3C',
    origin: {
      repo: CXF,
      commit: CXF_COMMIT,
      path: 'services/ws-discovery/ws-discovery-api/src/main/resources/org/apache/cxf/ws/discovery/wsdl/ws-addr.xsd',
    },
    corroboration:
      'byte-identical in apache/ws-wss4j (ws-addr200508.xsd), kudrinyaroslav/ON-0110, simplesamlphp/ws-security and instructure/ruby-saml2',
    sha256: 'eacfd086db8e98692f0326b2605c6ac5954682c628fae2b62dc2bbcbdcdd3165',
  },
  {
    file: 'oasis-200401-wss-wssecurity-utility-1.0.xsd',
    title: 'WS-Security 1.0 utility (wsu:Id, wsu:Timestamp)',
    namespace: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
    urls: ['http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd'],
    licence: 'OASIS',
    origin: {
      repo: 'apache/ws-wss4j',
      commit: 'b975a69754835a21a9f717aeb60e1e5b364786e7',
      path: 'ws-security-stax/src/main/resources/schemas/oasis-200401-wss-wssecurity-utility-1.0.xsd',
    },
    corroboration:
      'byte-identical in simplesamlphp/ws-security and instructure/ruby-saml2; apache/cxf rt/ws/policy has it with LF line endings',
    sha256: '565e0065222a73c99f3d53240d8215b42257745d6a8ca834e6c12b15a7275672',
  },
  {
    file: 'oasis-200401-wss-wssecurity-secext-1.0.xsd',
    title: 'WS-Security 1.0 SOAP Message Security (wsse:Security, UsernameToken)',
    namespace: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
    urls: ['http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'],
    licence: 'OASIS',
    origin: {
      repo: 'apache/ws-wss4j',
      commit: '7edf450d5ce71b2e9db5ef8b016c7128c9aa008e',
      path: 'ws-security-stax/src/main/resources/schemas/oasis-200401-wss-wssecurity-secext-1.0.xsd',
    },
    corroboration:
      'apache/cxf@88a9451b92180609b7bb93d0314bc8384f0c24a4 rt/ws/policy has the same text with LF line endings; instructure/ruby-saml2 and simplesamlphp/ws-security differ only in relative schemaLocations; wss4j later edited its copy (xop:Include), which is why an older commit is the origin',
    sha256: 'be84cf776c1637be0ce684d0f98ff4c1ac90150538b194730a2089df7b716b44',
  },
  {
    file: 'xmldsig-core-schema.xsd',
    title: 'XML Signature Syntax and Processing (2002 Recommendation)',
    namespace: 'http://www.w3.org/2000/09/xmldsig#',
    urls: [
      'http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd',
      'http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd',
    ],
    licence: 'W3C',
    origin: {
      repo: 'NORDUnet/opennsa',
      commit: '723c0a078cd7b0daf966422508a1ab685e23de8c',
      path: 'wsdl/xmldsig-core-schema.xsd',
    },
    corroboration:
      'apache/cxf services/xkms and instructure/ruby-saml2 have the same text without the DOCTYPE declaration',
    sha256: '9217d951875e15aab50badaddd641287836b39082b7d155b921c38be703ea2a3',
  },
  {
    file: 'b-2.xsd',
    title: 'WS-BaseNotification 1.3',
    namespace: 'http://docs.oasis-open.org/wsn/b-2',
    urls: ['http://docs.oasis-open.org/wsn/b-2.xsd'],
    licence: 'OASIS',
    origin: {
      repo: ONVIF_TEST_TOOL,
      commit: ONVIF_TEST_TOOL_COMMIT,
      path: 'ClientTestTool/ClientTestTool/Tests/SoapValidation/Schemas/b-2.xsd',
    },
    corroboration:
      'the same blob at 9 paths of the ONVIF test tool; Rouis0/power-onvif has the same text with relative schemaLocations and CRLF line endings',
    sha256: 'f64ed70f092016807b42bde08a05df193698852fb375eb0783f7e25f8c1c4e01',
  },
  {
    file: 'bf-2.xsd',
    title: 'WS-BaseFaults 1.2',
    namespace: 'http://docs.oasis-open.org/wsrf/bf-2',
    urls: ['http://docs.oasis-open.org/wsrf/bf-2.xsd'],
    licence: 'OASIS',
    origin: {
      repo: ONVIF_TEST_TOOL,
      commit: ONVIF_TEST_TOOL_COMMIT,
      path: 'ClientTestTool/ClientTestTool/Tests/SoapValidation/Schemas/bf-2.xsd',
    },
    corroboration:
      'the same blob at 10 paths of the ONVIF test tool; apache/cxf (wsn-api) has the same declarations with relative schemaLocations and reflowed attributes',
    sha256: '99a8ae1aed1b99c3ed60459588f6382ccb5bef17fa352489e4d0bb7cb1b6c024',
  },
  {
    file: 't-1.xsd',
    title: 'WS-Topics 1.3',
    namespace: 'http://docs.oasis-open.org/wsn/t-1',
    urls: ['http://docs.oasis-open.org/wsn/t-1.xsd'],
    licence: 'OASIS',
    origin: {
      repo: CXF,
      commit: CXF_COMMIT,
      path: 'services/wsn/wsn-api/src/main/resources/org/apache/cxf/wsn/wsdl/t-1.xsd',
    },
    corroboration:
      'byte-identical in kudrinyaroslav/ON-0110; quatanium/python-onvif has it with CRLF line endings',
    sha256: 'fd37fff721a2fc959715a7bf3a5e09fe4373446aadd01d635e50281881f14833',
  },
  {
    file: 'r-2.xsd',
    title: 'WS-Resource 1.2 faults',
    namespace: 'http://docs.oasis-open.org/wsrf/r-2',
    urls: ['http://docs.oasis-open.org/wsrf/r-2.xsd'],
    licence: 'OASIS',
    origin: { repo: ONVIF_TEST_TOOL, commit: ONVIF_TEST_TOOL_COMMIT, path: 'wsdl/r-2.xsd' },
    corroboration:
      'Rouis0/power-onvif, quatanium/python-onvif, enstns/onvif-python and apache/cxf (wsn-api) have the same text with a relative schemaLocation',
    sha256: 'a67e007f8e6014ca54b51c0e70523b8fd9ff0de1cfdf6050f45713605ab024ab',
  },
  {
    file: 'bw-2.wsdl',
    title: 'WS-BaseNotification 1.3 WSDL (port types)',
    namespace: 'http://docs.oasis-open.org/wsn/bw-2',
    urls: ['http://docs.oasis-open.org/wsn/bw-2.wsdl'],
    licence: 'OASIS',
    origin: {
      repo: ONVIF_TEST_TOOL,
      commit: ONVIF_TEST_TOOL_COMMIT,
      path: 'References/ONVIF_Tester/ONVIF_TestCases/xsd/import/bw-2.wsdl',
    },
    corroboration:
      'Rouis0/power-onvif and enstns/onvif-python have the same text with relative locations',
    sha256: '946a73d5437a42227b2bda8d2537b49940d34eea97aefbd73308b5452ec7f5f8',
  },
  {
    file: 'rw-2.wsdl',
    title: 'WS-Resource 1.2 WSDL (faults)',
    namespace: 'http://docs.oasis-open.org/wsrf/rw-2',
    urls: ['http://docs.oasis-open.org/wsrf/rw-2.wsdl'],
    licence: 'OASIS',
    origin: {
      repo: ONVIF_TEST_TOOL,
      commit: ONVIF_TEST_TOOL_COMMIT,
      path: 'Version2/Schemas/rw-2.wsdl',
    },
    corroboration:
      'quatanium/python-onvif, Rouis0/power-onvif and enstns/onvif-python have the same text with a relative schemaLocation',
    sha256: '586a86948252c2e400d1c8ea57a2d55da57553ad988e0b09bf6249dc620a764b',
  },
];
