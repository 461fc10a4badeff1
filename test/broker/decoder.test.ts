/** The frame decoder alone: fixtures fed whole, one byte at a time and in random splits. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StompFrameDecoder } from '../../broker/decoder.js';
import { FrameError } from '../../broker/index.js';
import { encodeFrame, escapeHeader, unescapeHeader, type StompFrame } from '../../broker/frame.js';

const LIMITS = { maxFrameBytes: 4096, maxHeaders: 8, maxHeaderBytes: 512 };

interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly frames: ReadonlyArray<{
    command: string;
    headers: Record<string, string>;
    body: Buffer;
  }>;
  readonly heartbeats?: number;
}

const binary = Buffer.from([1, 0, 2, 0, 0, 255, 10, 0]);

const FIXTURES: Fixture[] = [
  {
    name: 'frame without headers or body',
    bytes: Buffer.from('DISCONNECT\n\n\0'),
    frames: [{ command: 'DISCONNECT', headers: {}, body: Buffer.alloc(0) }],
  },
  {
    name: 'body delimited by NUL',
    bytes: Buffer.from('SEND\ndestination:/queue/a\n\nhello\0'),
    frames: [{ command: 'SEND', headers: { destination: '/queue/a' }, body: Buffer.from('hello') }],
  },
  {
    name: 'binary body with NULs under content-length',
    bytes: Buffer.concat([
      Buffer.from(`SEND\ndestination:/queue/b\ncontent-length:${binary.length}\n\n`),
      binary,
      Buffer.from('\0'),
    ]),
    frames: [
      {
        command: 'SEND',
        headers: { destination: '/queue/b', 'content-length': String(binary.length) },
        body: binary,
      },
    ],
  },
  {
    name: 'CRLF line endings and heart-beats between frames',
    bytes: Buffer.from('\n\r\nSEND\r\ndestination:/queue/c\r\n\r\nx\0\n\nACK\nid:1\n\n\0\r\n'),
    frames: [
      { command: 'SEND', headers: { destination: '/queue/c' }, body: Buffer.from('x') },
      { command: 'ACK', headers: { id: '1' }, body: Buffer.alloc(0) },
    ],
    heartbeats: 5,
  },
  {
    name: 'repeated header keeps the first value; escapes undone (1.2)',
    bytes: Buffer.from('SEND\ndestination:/queue/d\nx:a\\cb\\nc\\\\d\\r\nx:second\n\n\0'),
    frames: [
      {
        command: 'SEND',
        headers: { destination: '/queue/d', x: 'a:b\nc\\d\r' },
        body: Buffer.alloc(0),
      },
    ],
  },
];

function decodeIn(chunks: Buffer[]): { frames: StompFrame[]; heartbeats: number } {
  const decoder = new StompFrameDecoder(LIMITS, '1.2');
  const frames: StompFrame[] = [];
  for (const c of chunks) frames.push(...decoder.push(c));
  return { frames, heartbeats: decoder.takeHeartbeats() };
}

function check(fixture: Fixture, got: { frames: StompFrame[]; heartbeats: number }): void {
  assert.equal(got.frames.length, fixture.frames.length, fixture.name);
  fixture.frames.forEach((want, i) => {
    const frame = got.frames[i];
    assert.ok(frame);
    assert.equal(frame.command, want.command);
    assert.deepEqual(Object.fromEntries(frame.headers), want.headers);
    assert.deepEqual(frame.body, want.body);
  });
  if (fixture.heartbeats !== undefined) assert.equal(got.heartbeats, fixture.heartbeats);
}

/** A small deterministic PRNG so a failing split can be reproduced. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function randomSplits(bytes: Buffer, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(random() * 7);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('FrameDecoder', () => {
  for (const fixture of FIXTURES) {
    test(`${fixture.name}: whole`, () => check(fixture, decodeIn([fixture.bytes])));
    test(`${fixture.name}: one byte at a time`, () => {
      const bytes = [...fixture.bytes].map((b) => Buffer.from([b]));
      check(fixture, decodeIn(bytes));
    });
    test(`${fixture.name}: random splits`, () => {
      const random = rng(fixture.name.length);
      for (let round = 0; round < 50; round += 1) {
        check(fixture, decodeIn(randomSplits(fixture.bytes, random)));
      }
    });
  }

  test('all fixtures back to back in random splits', () => {
    const all = Buffer.concat(FIXTURES.map((f) => f.bytes));
    const want = FIXTURES.flatMap((f) => f.frames);
    const random = rng(7);
    for (let round = 0; round < 50; round += 1) {
      const got = decodeIn(randomSplits(all, random));
      assert.equal(got.frames.length, want.length);
      got.frames.forEach((f, i) => assert.deepEqual(f.body, want[i]?.body));
    }
  });

  test('CONNECT headers are not unescaped', () => {
    const decoder = new StompFrameDecoder(LIMITS, '1.2');
    const [frame] = decoder.push(Buffer.from('CONNECT\nlogin:a\\nb\n\n\0'));
    assert.equal(frame?.headers.get('login'), 'a\\nb');
  });

  test('before a version is set, decoding stops after CONNECT and resumes with the version', () => {
    const decoder = new StompFrameDecoder(LIMITS);
    const bytes = Buffer.from(
      'CONNECT\naccept-version:1.2\n\n\0SEND\nx:a\\cb\n\n\0\nSEND\ny:c\\nd\n',
    );
    const first = decoder.push(bytes);
    assert.deepEqual(
      first.map((f) => f.command),
      ['CONNECT'],
    );
    assert.equal(decoder.hasHeld(), true);
    decoder.setVersion('1.2');
    const [send, ...rest] = decoder.push(Buffer.alloc(0));
    assert.equal(send?.headers.get('x'), 'a:b', 'unescaped as 1.2');
    assert.equal(rest.length, 0);
    assert.equal(decoder.hasHeld(), false);
    const [second] = decoder.push(Buffer.from('\n\0'));
    assert.equal(second?.headers.get('y'), 'c\nd');
    assert.equal(decoder.takeHeartbeats(), 1);
  });

  test('a frame is marked plain only when no header can hold CR, LF or NUL', () => {
    const plain = (head: string, version: '1.0' | '1.2' = '1.2'): boolean | undefined => {
      const decoder = new StompFrameDecoder(LIMITS, version);
      const [frame] = decoder.push(Buffer.from(`${head}\n\nbody\0`, 'latin1'));
      assert.ok(frame, head);
      return frame.plainHeaders;
    };
    assert.equal(plain('SEND\ndestination:/queue/a\nreceipt:7'), true);
    assert.equal(plain('SEND\ndestination:/queue/a\nx:a\\nb'), false, 'an escaped LF');
    assert.equal(plain('SEND\r\ndestination:/queue/a\r\nx:1'), false, 'CRLF lines');
    assert.equal(plain('SEND\ndestination:/queue/a\nx:a\rb'), false, 'a CR inside a value');
    assert.equal(plain('SEND\ndestination:/queue/a\nx:a\u0000b'), false, 'a NUL in a value');
    // STOMP 1.0 has no escapes: a backslash is a backslash.
    assert.equal(plain('SEND\ndestination:/queue/a\nx:a\\nb', '1.0'), true);
  });

  test('1.0 frames are not unescaped', () => {
    const decoder = new StompFrameDecoder(LIMITS, '1.0');
    const [frame] = decoder.push(Buffer.from('SEND\nx:a\\cb\n\n\0'));
    assert.equal(frame?.headers.get('x'), 'a\\cb');
  });

  const BAD: ReadonlyArray<readonly [string, string | Buffer, string]> = [
    ['garbage bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef, 10, 10, 0]), 'FRAME_MALFORMED'],
    ['lower-case command', 'send\n\n\0', 'FRAME_MALFORMED'],
    ['header without colon', 'SEND\nnocolon\n\n\0', 'FRAME_MALFORMED'],
    ['undefined escape', 'SEND\nx:\\t\n\n\0', 'FRAME_MALFORMED'],
    ['content-length not a number', 'SEND\ncontent-length:12a\n\n\0', 'FRAME_MALFORMED'],
    ['no NUL after content-length', 'SEND\ncontent-length:1\n\nab\0', 'FRAME_MALFORMED'],
    ['declared content-length over the limit', 'SEND\ncontent-length:5000\n\n', 'FRAME_TOO_LARGE'],
    ['undeclared body over the limit', `SEND\n\n${'x'.repeat(5000)}`, 'FRAME_TOO_LARGE'],
    ['too many headers', `SEND\n${'a:b\n'.repeat(9)}\n\0`, 'FRAME_TOO_MANY_HEADERS'],
    ['header block too large', `SEND\nx:${'y'.repeat(600)}`, 'FRAME_HEADERS_TOO_LARGE'],
  ];
  for (const [name, input, code] of BAD) {
    test(`rejects ${name} (${code})`, () => {
      const decoder = new StompFrameDecoder(LIMITS, '1.2');
      assert.throws(
        () => decoder.push(Buffer.isBuffer(input) ? input : Buffer.from(input)),
        (err: unknown) => err instanceof FrameError && err.code === code,
      );
    });
  }

  test('a header block that is not UTF-8 is refused, naming its line; UTF-8 passes whole', () => {
    const decoder = new StompFrameDecoder(LIMITS, '1.2');
    const [frame] = decoder.push(Buffer.from('SEND\nmessage-id:Müller-1\n\n\0', 'utf8'));
    assert.equal(frame?.headers.get('message-id'), 'Müller-1');
    // Latin-1 'Müller-1' and 'Mäller-1' would both decode to 'M\ufffdller-1': one id of two.
    for (const id of ['Müller-1', 'Mäller-1']) {
      assert.throws(
        () =>
          new StompFrameDecoder(LIMITS, '1.2').push(
            Buffer.from(`SEND\ndestination:/queue/a\nmessage-id:${id}\n\n\0`, 'latin1'),
          ),
        (err: unknown) =>
          err instanceof FrameError &&
          err.code === 'FRAME_MALFORMED' &&
          err.message ===
            `frame header line 'message-id:M\\x${id === 'Müller-1' ? 'fc' : 'e4'}ller-1' is not valid UTF-8 at byte 13 of the line (STOMP frames are UTF-8)`,
      );
    }
    // Far along a long line, the bad byte is still shown, with the text around it.
    const long = Buffer.concat([
      Buffer.from(`SEND\nx-note:${'a'.repeat(100)}`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`${'b'.repeat(100)}\n\n\0`),
    ]);
    assert.throws(
      () => new StompFrameDecoder(LIMITS, '1.2').push(long),
      (err: unknown) =>
        err instanceof FrameError &&
        err.message ===
          `frame header line '…${'a'.repeat(24)}\\xc3(${'b'.repeat(22)}…' is not valid UTF-8 at byte 108 of the line (STOMP frames are UTF-8)`,
    );
    // The body is the application's bytes, in any encoding.
    const [latin1Body] = new StompFrameDecoder(LIMITS, '1.2').push(
      Buffer.concat([Buffer.from('SEND\n\n'), Buffer.from('Müller', 'latin1'), Buffer.from([0])]),
    );
    assert.deepEqual(latin1Body?.body, Buffer.from('Müller', 'latin1'));
  });

  test('a declared content-length over the limit is refused before the body arrives', () => {
    const decoder = new StompFrameDecoder(LIMITS, '1.2');
    // Only the header block has been sent: nothing of the 1 GB body is buffered.
    assert.throws(
      () => decoder.push(Buffer.from('SEND\ncontent-length:1000000000\n\n')),
      (err: unknown) => err instanceof FrameError && err.code === 'FRAME_TOO_LARGE',
    );
  });
});

describe('header escaping', () => {
  test('1.2 escapes backslash, EOL, colon and CR; 1.1 leaves CR; 1.0 nothing', () => {
    assert.equal(escapeHeader('a:b\nc\\d\r', '1.2'), 'a\\cb\\nc\\\\d\\r');
    assert.equal(escapeHeader('a:b\nc\\d\r', '1.1'), 'a\\cb\\nc\\\\d\r');
    assert.equal(escapeHeader('a:b', '1.0'), 'a:b');
    assert.equal(unescapeHeader('a\\cb\\nc\\\\d\\r', '1.2'), 'a:b\nc\\d\r');
    assert.throws(() => unescapeHeader('\\r', '1.1'), FrameError);
  });

  test('encoded frames decode to the same frame, with content-length', () => {
    const body = Buffer.from([0, 1, 2, 0]);
    const bytes = encodeFrame('MESSAGE', [['k:1', 'v\nx']], body, '1.2');
    const [frame] = new StompFrameDecoder(LIMITS, '1.2').push(bytes);
    assert.equal(frame?.headers.get('k:1'), 'v\nx');
    assert.equal(frame?.headers.get('content-length'), '4');
    assert.deepEqual(frame?.body, body);
  });
});
