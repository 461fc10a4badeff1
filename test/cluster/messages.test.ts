import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameType } from '../../cluster/messages.js';
import {
  encodeCall,
  encodeError,
  encodeHello,
  encodePeers,
  encodePost,
  encodePostFrame,
  encodeCallFrame,
  encodeReplyFrame,
  encodeSubscribed,
} from '../../cluster/message-encoding.js';
import { decodeMessage } from '../../cluster/message-decoding.js';
import { ProtocolError } from '../../cluster/errors.js';

const b = (s: string): Buffer => Buffer.from(s);

test('round-trips the main messages', () => {
  assert.deepEqual(decodeMessage(FrameType.POST, b(encodePost('svc', 'st', { x: [1, 2] }))), {
    kind: 'post',
    session: 'svc',
    state: 'st',
    args: { x: [1, 2] },
  });
  assert.deepEqual(decodeMessage(FrameType.CALL, b(encodeCall(7, 'svc', 'st', undefined))), {
    kind: 'call',
    id: 7,
    session: 'svc',
    state: 'st',
    args: null,
  });
  assert.deepEqual(
    decodeMessage(
      FrameType.SUBSCRIBED,
      b(encodeSubscribed(3, { code: 'NOT_PUBLISHED', message: 'no' })),
    ),
    { kind: 'subscribed', id: 3, ok: false, code: 'NOT_PUBLISHED', message: 'no' },
  );
  // Version 1 and version 2 (with the session's own name) positive answers.
  assert.deepEqual(decodeMessage(FrameType.SUBSCRIBED, b(encodeSubscribed(4, { states: ['x'] }))), {
    kind: 'subscribed',
    id: 4,
    ok: true,
    states: ['x'],
    session: undefined,
  });
  assert.deepEqual(
    decodeMessage(FrameType.SUBSCRIBED, b(encodeSubscribed(5, { states: [], session: 'svc' }))),
    { kind: 'subscribed', id: 5, ok: true, states: [], session: 'svc' },
  );
  assert.throws(() => decodeMessage(FrameType.SUBSCRIBED, b('[5,true,[],"bad name"]')), /session/);
  assert.deepEqual(
    decodeMessage(
      FrameType.PEERS,
      b(encodePeers([{ name: 'a', addresses: ['tcp://127.0.0.1:1'] }])),
    ),
    {
      kind: 'peers',
      peers: [{ name: 'a', addresses: ['tcp://127.0.0.1:1'] }],
    },
  );
  assert.equal(
    decodeMessage(FrameType.ERROR, b(encodeError('FORBIDDEN', 'm', 'check', 'svc/st'))).kind,
    'error',
  );
  const hello = decodeMessage(
    FrameType.HELLO,
    b(
      encodeHello({
        versions: [1],
        name: 'n',
        aliases: [],
        role: 'kernel',
        nonce: 'x',
        listen: [],
        incarnation: 'i',
      }),
    ),
  );
  assert.equal(hello.kind, 'hello');
});

function rejects(type: number, body: string, pattern: RegExp): void {
  assert.throws(
    () => decodeMessage(type, b(body)),
    (err: unknown) => err instanceof ProtocolError && pattern.test(err.message),
    `${type} ${body}`,
  );
}

test('refuses malformed bodies, naming the field', () => {
  rejects(FrameType.POST, 'not json', /not JSON/);
  rejects(FrameType.POST, '{"a":1}', /array of 3/);
  rejects(FrameType.POST, '["bad name","st",1]', /session/);
  rejects(FrameType.POST, '["svc","",1]', /state/);
  rejects(FrameType.CALL, '[-1,"svc","st",1]', /id/);
  rejects(FrameType.CALL, '[1.5,"svc","st",1]', /id/);
  rejects(FrameType.FAIL, '[1,"NO_SUCH_CODE","m"]', /error code/);
  rejects(FrameType.HEARTBEAT, 'x', /no body/);
  rejects(FrameType.HELLO, '{"protocol":"other"}', /protocol/);
  rejects(FrameType.ERROR, '["FORBIDDEN","m","eval",null]', /operation/);
  rejects(99, '[]', /unknown frame type/);
});

test('refuses __proto__ keys anywhere, accepts the word as a value', () => {
  rejects(FrameType.POST, '["svc","st",{"a":{"__proto__":{"polluted":1}}}]', /__proto__/);
  // JSON escapes spell the key without its bytes: JSON.parse still makes it a real key.
  rejects(FrameType.POST, '["svc","st",{"\\u005f_proto__":{"polluted":1}}]', /__proto__/);
  rejects(FrameType.POST, '["svc","st",[{"x":{"__prot\\u006f__":1}}]]', /__proto__/);
  rejects(
    FrameType.HELLO,
    '{"protocol":"aes-ikc","\\u005F\\u005Fproto\\u005F\\u005F":{}}',
    /__proto__/,
  );
  const escaped = decodeMessage(FrameType.POST, b('["svc","st",{"\\u0061":"\\u005f_proto__"}]'));
  assert.deepEqual(escaped.kind === 'post' && escaped.args, { a: '__proto__' });
  const ok = decodeMessage(FrameType.POST, b('["svc","st",["__proto__"]]'));
  assert.equal(ok.kind, 'post');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('session names cannot smuggle prototype names into lookups', () => {
  // 'constructor' is a valid name: lookups use Maps, so it finds nothing rather than Object's.
  const m = decodeMessage(FrameType.POST, b('["constructor","toString",1]'));
  assert.equal(m.kind, 'post');
});

test('string arguments and results travel raw in *_TEXT frames', () => {
  const text = 'line 1\nline 2 "quoted" é 😀 {"json":true}';
  const post = encodePostFrame('svc', 'st', text);
  assert.equal(post.type, FrameType.POST_TEXT);
  const body = Buffer.from(`${post.head}\n${post.tail ?? ''}`);
  assert.deepEqual(decodeMessage(post.type, body), {
    kind: 'post',
    session: 'svc',
    state: 'st',
    args: text,
  });
  const call = encodeCallFrame(5, 'svc', 'st', '');
  assert.deepEqual(decodeMessage(call.type, Buffer.from(`${call.head}\n${call.tail ?? ''}`)), {
    kind: 'call',
    id: 5,
    session: 'svc',
    state: 'st',
    args: '',
  });
  const reply = encodeReplyFrame(9, text);
  assert.deepEqual(decodeMessage(reply.type, Buffer.from(`${reply.head}\n${reply.tail ?? ''}`)), {
    kind: 'reply',
    id: 9,
    result: text,
  });
  // Non-strings stay JSON.
  assert.equal(encodePostFrame('svc', 'st', { a: 1 }).type, FrameType.POST);
  assert.equal(encodeReplyFrame(1, 42).tail, undefined);
  rejects(FrameType.POST_TEXT, '["svc","st"]', /newline/);
  rejects(FrameType.CALL_TEXT, '["svc","st"]\nx', /array of 3/);
});

test('text frames: repeated heads and plain ids take the quick path with the same results', () => {
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(decodeMessage(FrameType.POST_TEXT, b('["svc","st"]\nhello')), {
      kind: 'post',
      session: 'svc',
      state: 'st',
      args: 'hello',
    });
    assert.deepEqual(decodeMessage(FrameType.REPLY_TEXT, b(`[${i}]\nr`)), {
      kind: 'reply',
      id: i,
      result: 'r',
    });
  }
  rejects(FrameType.POST_TEXT, '["svc","bad name"]\nhello', /state/);
  rejects(
    FrameType.POST_TEXT,
    '["svc", "st"]\nhello'.replace('st', '__proto__').replace('"svc"', '{"__proto__":1}'),
    /session|__proto__/,
  );
  rejects(FrameType.REPLY_TEXT, '[01]\nx', /not JSON/);
  rejects(FrameType.REPLY_TEXT, '[-1]\nx', /id/);
  assert.deepEqual(decodeMessage(FrameType.REPLY_TEXT, b('[ 7 ]\nx')), {
    kind: 'reply',
    id: 7,
    result: 'x',
  });
});

test('call heads: the part after the id is validated once, ids are checked every time', () => {
  for (const id of [0, 5, 123_456_789_012_345]) {
    assert.deepEqual(decodeMessage(FrameType.CALL_TEXT, b(`[${id},"svc","st"]\nhi`)), {
      kind: 'call',
      id,
      session: 'svc',
      state: 'st',
      args: 'hi',
    });
  }
  // Past 15 digits, with spaces or signs: the full parse decides, as before.
  assert.equal(
    (decodeMessage(FrameType.CALL_TEXT, b('[1234567890123456,"svc","st"]\nx')) as { id: number })
      .id,
    1234567890123456,
  );
  rejects(FrameType.CALL_TEXT, '[12345678901234567890,"svc","st"]\nx', /id/);
  rejects(FrameType.CALL_TEXT, '[01,"svc","st"]\nx', /not JSON/);
  rejects(FrameType.CALL_TEXT, '[-1,"svc","st"]\nx', /id/);
  assert.equal(
    (decodeMessage(FrameType.CALL_TEXT, b('[ 8 ,"svc","st"]\nx')) as { id: number }).id,
    8,
  );
  // A cached tail does not make a bad one acceptable, nor a bad tail poison the cache.
  rejects(FrameType.CALL_TEXT, '[1,"svc","bad name"]\nx', /state/);
  rejects(FrameType.CALL_TEXT, '[2,"svc","bad name"]\nx', /state/);
  rejects(FrameType.CALL_TEXT, '[3,"svc","st"\nx', /not JSON/);
  rejects(FrameType.CALL_TEXT, '[4,"svc","st",1]\nx', /array of 3/);
  rejects(FrameType.CALL_TEXT, '[5]\nx', /array of 3/);
});
