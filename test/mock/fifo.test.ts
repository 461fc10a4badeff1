/** FIFO source and recording target: pop / popped / build / put sequences, faults, state. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startMock, type MockState } from '../../mock/index.js';
import { clientOf, faultOf, FIXTURES, SOURCE_WSDL, TARGET_WSDL } from './support.js';

async function stateOver(url: string): Promise<MockState> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as MockState;
}

describe('mock FIFO source system', () => {
  it('serves records one at a time: pop repeats the head until popped names it', async () => {
    await using mock = await startMock(SOURCE_WSDL, {
      script: path.join(FIXTURES, 'source-script.json'),
    });
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const { call } = await clientOf(ep);
    const first = (await call('Pop', {})) as Record<string, unknown>;
    assert.equal(first['status'], 'OK');
    assert.equal(String(first['id']), '101');
    assert.deepEqual(JSON.parse(String(first['payload'])), { customer: 'ACME', amount: 12.5 });
    // Not popped yet: the same record again.
    const again = (await call('Pop', {})) as Record<string, unknown>;
    assert.equal(String(again['id']), '101');
    // Double phase: build returns the document of an id.
    const built = (await call('Build', { id: 101 })) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(String(built['document'])), { customer: 'ACME', amount: 12.5 });
    assert.equal(((await call('Popped', { id: 101 })) as Record<string, unknown>)['status'], 'OK');
    const seen: string[] = ['101'];
    for (;;) {
      const r = (await call('Pop', {})) as Record<string, unknown>;
      if (r['status'] === 'EMPTY') {
        assert.equal(r['id'], undefined);
        break;
      }
      const id = String(r['id']);
      assert.deepEqual(JSON.parse(String(r['payload'])), { n: Number(id), text: `record ${id}` });
      seen.push(id);
      await call('Popped', { id });
    }
    assert.deepEqual(seen, ['101', '1', '2', '3']);
    // Popped again for an id already gone: accepted, and reported.
    await call('Popped', { id: 2 });
    // Build of an unknown id: a Client fault naming it.
    await assert.rejects(call('Build', { id: 999 }), (err: unknown) => {
      assert.match(JSON.stringify(faultOf(err)), /no record '999'/);
      return true;
    });
    const state = await stateOver(mock.stateUrl);
    assert.deepEqual(state.fifo?.popped, ['101', '1', '2', '3']);
    assert.deepEqual(state.fifo?.remaining, []);
    assert.deepEqual(state.fifo?.poppedUnknown, ['2']);
    assert.equal(state.calls['Pop'], 6);
    assert.equal(state.fifo?.builds, 2);
    assert.deepEqual(mock.state(), state);
    // Records pushed through the library API are served next.
    mock.pushRecords([{ id: '7', payload: 'raw text' }]);
    const pushed = (await call('Pop', {})) as Record<string, unknown>;
    assert.equal(String(pushed['id']), '7');
    assert.equal(pushed['payload'], 'raw text');
  });
});

describe('mock recording target system', () => {
  it('fails the first call, records the others, counts duplicates', async () => {
    await using mock = await startMock(TARGET_WSDL, {
      script: path.join(FIXTURES, 'target-script.json'),
    });
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const { call } = await clientOf(ep);
    await assert.rejects(call('Put', { messageId: 'ob:1', record: '{"a":1}' }), (err: unknown) => {
      const fault = faultOf(err);
      assert.equal(fault?.['faultcode'], 'soap:Server');
      assert.equal(fault?.['faultstring'], 'target busy');
      assert.deepEqual(fault?.['detail'], { reason: 'locked' });
      return true;
    });
    for (const id of ['ob:1', 'ob:2', 'ob:2']) {
      const r = (await call('Put', { messageId: id, record: '{"a":1}' })) as Record<
        string,
        unknown
      >;
      assert.equal(r['stored'], true);
    }
    const state = await stateOver(mock.stateUrl);
    assert.deepEqual(state.put?.ids, ['ob:1', 'ob:2']);
    assert.deepEqual(state.put?.duplicates, ['ob:2']);
    assert.equal(state.put?.failed, 1);
    assert.equal(state.put?.received.length, 3);
    assert.deepEqual(state.put?.received[0]?.request, { messageId: 'ob:1', record: '{"a":1}' });
    assert.equal(state.faults['Put'], 1);
  });

  it('fails a seeded share of calls, the same calls for the same seed', async () => {
    const outcomes = async (seed: number): Promise<string> => {
      await using mock = await startMock(TARGET_WSDL, {
        seed,
        script: {
          json: { put: { operation: 'Put', idField: 'messageId', fail: { share: 0.5 } } },
        },
      });
      const [ep] = mock.endpoints;
      assert.ok(ep);
      const { call } = await clientOf(ep);
      let s = '';
      for (let i = 0; i < 20; i += 1) {
        s += await call('Put', { messageId: `m${i}`, record: '{}' }).then(
          () => 'o',
          (err: unknown) => {
            assert.match(JSON.stringify(faultOf(err)), /scripted failure/);
            return 'x';
          },
        );
      }
      const st = mock.state();
      assert.equal(st.put?.failed, [...s].filter((c) => c === 'x').length);
      assert.equal(st.put?.ids.length, [...s].filter((c) => c === 'o').length);
      return s;
    };
    const a = await outcomes(7);
    assert.equal(a, await outcomes(7));
    assert.ok(a.includes('x') && a.includes('o'), a);
  });
});
