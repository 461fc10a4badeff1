/** Namespace URIs the generator knows by heart. */

export const WSDL11_NS = 'http://schemas.xmlsoap.org/wsdl/';
export const SOAP11_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const SOAP12_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const SOAP11_ENC_NS = 'http://schemas.xmlsoap.org/soap/encoding/';
export const SOAP12_ENC_NS = 'http://www.w3.org/2003/05/soap-encoding';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** The XML Schema namespace and its pre-Recommendation drafts. */
export function isXsdNs(ns: string): boolean {
  return (
    ns === XSD_NS ||
    ns === 'http://www.w3.org/2000/10/XMLSchema' ||
    ns === 'http://www.w3.org/1999/XMLSchema'
  );
}

/** WSDL 2.0 and its drafts (`http://www.w3.org/ns/wsdl`, `http://www.w3.org/2004/08/wsdl`, ...). */
export function isWsdl20Ns(ns: string): boolean {
  return (
    ns === 'http://www.w3.org/ns/wsdl' || /^http:\/\/www\.w3\.org\/200\d\/\d\d\/wsdl\/?$/.test(ns)
  );
}

/** WSDL 2.0 SOAP binding type URIs, final and draft. */
export function isWsdl20SoapNs(ns: string): boolean {
  return (
    ns === 'http://www.w3.org/ns/wsdl/soap' ||
    /^http:\/\/www\.w3\.org\/200\d\/\d\d\/wsdl\/soap/.test(ns)
  );
}

/**
 * Namespaces whose schema is built in: an import of them is satisfied without reading it (the SOAP
 * encoding types map to XSD built-ins; the xml: attributes are strings).
 */
export function isBuiltinNs(ns: string): boolean {
  return (
    isXsdNs(ns) || ns === SOAP11_ENC_NS || ns === SOAP12_ENC_NS || ns === XML_NS || ns === WSDL11_NS
  );
}
