/**
 * The Prompter (cli/prompt.ts) over in-memory streams: a refused answer is asked again, the fifth in
 * a row gives up with its error, the end of the input with the last refusal (or says it ended).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { MAX_BAD_ANSWERS, Prompter } from '../../cli/prompt.js';
import { ScaffoldError } from '../../scaffold/index.js';

/** A prompter fed `lines` (then, with `end`, the end of the input); what it wrote. */
function prompter(lines: readonly string[], end = true): { ask: Prompter; written: () => string } {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (d: Buffer) => (written += d.toString('utf8')));
  const ask = new Prompter(input, output, { terminal: false });
  input.write(lines.map((l) => `${l}\n`).join(''));
  if (end) input.end();
  return { ask, written: () => written };
}

const even = (answer: string): number => {
  const n = Number(answer);
  if (!Number.isInteger(n) || n % 2 !== 0) {
    throw new ScaffoldError('SCAFFOLD_USAGE', `'${answer}' is not even`);
  }
  return n;
};

test('a refused answer is asked again; the next line answers it', async () => {
  const { ask, written } = prompter(['3', '', '4']);
  assert.equal(await ask.ask({ question: 'Even', parse: even }), 4);
  ask.close();
  assert.equal(written(), "Even:   '3' is not even\nEven: Even: "); // the empty line: asked again, unexplained
});

test('the fallback answers an empty line; an async parse is awaited', async () => {
  const { ask } = prompter(['', 'x']);
  const answer = await ask.ask({
    question: 'Queue',
    fallback: '/queue/a',
    parse: (a) => Promise.resolve(a.toUpperCase()),
  });
  assert.equal(answer, '/QUEUE/A');
  ask.close();
});

test(`${MAX_BAD_ANSWERS} refused answers in a row give up with the last one's error`, async () => {
  const { ask, written } = prompter(['1', '3', '5', '7', '9', '10']);
  await assert.rejects(ask.ask({ question: 'Even', parse: even }), (err: unknown) => {
    assert.ok(err instanceof ScaffoldError);
    assert.equal(err.code, 'SCAFFOLD_USAGE');
    assert.equal(err.message, "'9' is not even");
    return true;
  });
  ask.close();
  assert.match(written(), /5 answers refused in a row: giving up\n$/);
});

test('the end of the input: the last refusal, or an error naming the question', async () => {
  const refused = prompter(['1']);
  await assert.rejects(refused.ask.ask({ question: 'Even', parse: even }), /'1' is not even/);
  const none = prompter(['2']);
  assert.equal(await none.ask.ask({ question: 'Even', parse: even }), 2);
  await assert.rejects(
    none.ask.ask({ question: 'Next', parse: even }),
    /input ended before an answer to: Next:/,
  );
});

test('a choice by number or name; a refused check asks again', async () => {
  const { ask, written } = prompter(['9', 'Pop', 'popped']);
  const picked = await ask.choose({
    question: 'Operation:',
    choices: ['Build', 'Pop', 'Popped'],
    check: (c) => {
      if (c === 'Pop') throw new ScaffoldError('SCAFFOLD_OPERATION', 'not Pop');
    },
  });
  assert.equal(picked, 'Popped');
  ask.close();
  assert.match(written(), /'9' is not one of the choices: answer 1-3 or a name\n/);
  assert.match(written(), /not Pop\n/);
});

test('other takes an answer beyond the choices or refuses it; a number is always a choice', async () => {
  const { ask, written } = prompter(['7', 'a.nope', 'a.b[].c']);
  const picked = await ask.choose({
    question: 'Which field?',
    choices: ['a.x: string', 'a.y: string'],
    other: (answer) => {
      if (answer.endsWith('nope')) throw new ScaffoldError('SCAFFOLD_USAGE', `no '${answer}'`);
      return answer;
    },
  });
  assert.equal(picked, 'a.b[].c');
  ask.close();
  assert.match(written(), /'7' is not one of the choices: answer 1-2 or a name\n/);
  assert.match(written(), /no 'a\.nope'\n/);
});
