/**
 * `aes endpoint create` on a terminal: a pseudo-terminal (util-linux `script`, no native module)
 * answers its questions, and the files it writes match, byte for byte, those of the same answers
 * given as flags.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runOnTerminal, SCRIPT_MISSING } from '../support/terminal.js';
import {
  aesOk,
  ENDPOINT_FLAGS,
  REPO_ROOT,
  snapshot,
  SOURCE_WSDL,
  TARGET_WSDL,
  tempDir,
} from './support.js';

/** A question the command must print, and what the user types. */
type Exchange = readonly [prompt: string, answer: string];

/** Runs `aes <args>` on a pseudo-terminal, answering each question once its prompt appeared. */
async function onTerminal(
  args: readonly string[],
  exchanges: readonly Exchange[],
): Promise<string> {
  const { code, output, typed } = await runOnTerminal(
    args,
    exchanges.map(([prompt, answer]) => [prompt, `${answer}\n`] as const),
  );
  assert.equal(typed, exchanges.length, `not every question was asked; output:\n${output}`);
  assert.equal(code, 0, `exited ${String(code)}; output:\n${output}`);
  return output;
}

test(
  'answers typed on a terminal make the same files as flags',
  { skip: SCRIPT_MISSING },
  async () => {
    await using tmp = await tempDir('aes-scaffold-pty-');
    const byFlags = path.join(tmp.path, 'flags');
    const byPrompts = path.join(tmp.path, 'prompts');
    for (const dir of [byFlags, byPrompts])
      aesOk(['create', dir, '--name', 'shop', '--aes', `file:${REPO_ROOT}`]);
    for (const name of ['docs-out', 'orders-in']) {
      aesOk(['endpoint', 'create', '--project', byFlags, ...(ENDPOINT_FLAGS[name] ?? [])]);
    }

    const out = await onTerminal(
      ['endpoint', 'create', '--project', byPrompts],
      [
        ['Inbound or outbound?', 'sideways'], // not a choice: asked again
        ['is not one of the choices', 'outbound'],
        ['Single or double phase?', '2'],
        ['Endpoint name: ', 'docs out'], // not a name: asked again
        ['is not an endpoint name', 'docs-out'],
        ['WSDL of the source system (path or URL): ', SOURCE_WSDL],
        ['Operation for pop:', '2'], // Build, Pop, Popped
        ['Operation for popped:', 'Popped'],
        ['Operation for build:', '1'],
        ['Operation for popMany (batch mode, optional):', ''],
        ['Destination to publish to [/queue/docs-out]: ', '/queue/docs'],
      ],
    );
    assert.match(out, /created endpoint 'docs-out'/);
    await onTerminal(
      ['endpoint', 'create', '--project', byPrompts, '--kind', 'inbound'], // a flag skips its question
      [
        ['Endpoint name: ', 'orders-in'],
        ['WSDL of the target system (path or URL): ', TARGET_WSDL],
        ['Operation for put:', 'Put'],
        ['Operation for putMany (batch mode, optional):', 'PutMany'],
        ['already holds a message id (for alreadyDelivered(), optional):', ''],
        ['Queue to consume [/queue/orders-in]: ', '/queue/orders'],
      ],
    );

    const expected = await snapshot(byFlags);
    const actual = await snapshot(byPrompts);
    assert.deepEqual([...actual.keys()], [...expected.keys()]);
    for (const [file, text] of expected) assert.equal(actual.get(file), text, `${file} differs`);
  },
);
