/**
 * A generated client reads its WSDL again at run time (node-soap follows every import): the
 * standard schemas a real WSDL imports by URL come from the package's copies, as at generation,
 * so the client loads with no network. The ONVIF fixtures import W3C and OASIS schemas by URL
 * (xmlmime, SOAP envelope, XOP, WS-BaseNotification and what it imports; event.wsdl also the
 * OASIS WSDLs). Every WSDL fetch goes through an HTTP client of the test's own that refuses and
 * records it, so the test fails wherever the network would have answered too; node-soap's own
 * cache of loaded WSDLs is off, so that each case reads the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createPortClient, type PortInfo } from '../../soap-client/index.js';

const ONVIF = new URL('../codegen/fixtures/onvif/ver10/', import.meta.url);

/** node-soap's HTTP client contract, as far as fetching a WSDL uses it: refuse and record. */
function refusingHttp(fetched: string[]) {
  return {
    request(url: string, _data: unknown, callback: (err: Error) => void) {
      fetched.push(url);
      callback(new Error(`no network in this test: ${url}`));
      return undefined;
    },
  };
}

function port(file: string): PortInfo {
  return {
    wsdl: fileURLToPath(new URL(file, ONVIF)),
    service: 'none',
    port: 'none',
    soapVersion: '1.2',
    deserializers: {},
  };
}

for (const file of ['device/wsdl/devicemgmt.wsdl', 'events/wsdl/event.wsdl']) {
  test(`ONVIF ${file} loads at run time from the standard-schema catalog, no fetch`, async () => {
    const fetched: string[] = [];
    const client = await createPortClient(port(file), {
      soapOptions: { httpClient: refusingHttp(fetched) as never, disableCache: true },
    });
    assert.deepEqual(fetched, []);
    assert.ok(client.wsdl.definitions.schemas['http://docs.oasis-open.org/wsn/b-2'], 'b-2 read');
  });
}

test('standardSchemas: false fetches them from their URLs (refused here: SOAP_WSDL)', async () => {
  const fetched: string[] = [];
  await assert.rejects(
    createPortClient(port('device/wsdl/devicemgmt.wsdl'), {
      standardSchemas: false,
      soapOptions: { httpClient: refusingHttp(fetched) as never, disableCache: true },
    }),
    (err: Error & { code?: string }) =>
      err.code === 'SOAP_WSDL' && /no network in this test/.test(err.message),
  );
  assert.ok(
    fetched.some((url) => url.startsWith('https://www.w3.org/')),
    fetched.join(', '),
  );
});

test("a location outside the catalog still goes to the caller's overrideImportLocation", async () => {
  const seen: string[] = [];
  const client = await createPortClient(port('device/wsdl/devicemgmt.wsdl'), {
    soapOptions: {
      httpClient: refusingHttp([]) as never,
      disableCache: true,
      wsdl_options: {
        overrideImportLocation: (location: string) => {
          seen.push(location);
          return location;
        },
      },
    },
  });
  assert.ok(client.wsdl !== undefined);
  assert.ok(
    seen.some((l) => l.endsWith('onvif.xsd')),
    `the local import was the caller's: ${seen.join(', ')}`,
  );
  assert.ok(
    !seen.some((l) => /^https?:/.test(l)),
    `standard URLs were the catalog's: ${seen.join(', ')}`,
  );
});
