import { startMock } from '../../mock/index.js';

/** Pops every record of a scripted source system, as an outbound endpoint would. */
export async function drain(wsdl: string, script: string): Promise<string[]> {
  await using source = await startMock(wsdl, { script });
  const endpoint = source.endpoints[0];
  if (endpoint === undefined) throw new Error('no SOAP port');
  const post = async (op: string, body: string): Promise<string> => {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: `"urn:aes:example:source#${op}"` },
      body:
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
        `<m:${op} xmlns:m="urn:aes:example:source">${body}</m:${op}></s:Body></s:Envelope>`,
      signal: AbortSignal.timeout(10_000),
    });
    return res.text();
  };
  for (;;) {
    const popped = /<(?:\w+:)?id>(\d+)</.exec(await post('Pop', ''))?.[1];
    if (popped === undefined) break; // status EMPTY, no id
    await post('Popped', `<m:id>${popped}</m:id>`);
  }
  return [...(source.state().fifo?.popped ?? [])];
}
