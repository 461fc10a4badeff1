/**
 * The package's one state-machine helper (util/state-machine.ts): a move needs both the caller's
 * `from` and the table; every move and refusal is traced; `onChange` hears only moves; and the
 * throwing variant names the move. The four machines built on it keep their own tests
 * (supervision-policy, transports, broker, cluster).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IllegalTransitionError,
  StateMachine,
  type TransitionTable,
} from '../../util/state-machine.js';

type Light = 'off' | 'warming' | 'on' | 'broken';

const LEGAL: TransitionTable<Light> = {
  off: ['warming', 'broken'],
  warming: ['on', 'off', 'broken'],
  on: ['off', 'broken'],
  broken: [],
};

function lamp() {
  const traced: string[] = [];
  const changed: string[] = [];
  const machine = new StateMachine<Light>({
    name: 'lamp 1',
    initial: 'off',
    legal: LEGAL,
    trace: ({ from, to, reason, error }, refused) =>
      traced.push(
        `${refused ? 'refused ' : ''}${from}>${to} (${reason})${error ? ` ${error.message}` : ''}`,
      ),
    onChange: ({ from, to }) => changed.push(`${from}>${to}`),
  });
  return { machine, traced, changed };
}

test('a move needs the current state in `from` and the move in the table', () => {
  const { machine, traced, changed } = lamp();
  assert.equal(machine.state, 'off');
  assert.equal(machine.transitionTo(['off'], 'warming', 'switch'), true);
  assert.equal(machine.transitionTo(['off'], 'on', 'late event'), false, 'not in from');
  assert.equal(machine.transitionTo(['warming'], 'warming', 'again'), false, 'not in the table');
  assert.equal(machine.transitionTo(['warming', 'on'], 'on', 'warm', new Error('hot')), true);
  assert.equal(machine.state, 'on');
  assert.ok(machine.is('on', 'off'));
  assert.ok(!machine.is('off'));
  assert.ok(machine.canMoveTo('broken'));
  assert.ok(!machine.canMoveTo('warming'));
  assert.deepEqual(traced, [
    'off>warming (switch)',
    'refused warming>on (late event)',
    'refused warming>warming (again)',
    'warming>on (warm) hot',
  ]);
  assert.deepEqual(changed, ['off>warming', 'warming>on']);
});

test('transitionToOrThrow refuses with a typed error naming the move, and changes nothing', () => {
  const { machine, changed } = lamp();
  machine.transitionToOrThrow(['off'], 'broken', 'dropped');
  assert.throws(
    () => machine.transitionToOrThrow(['broken'], 'on', 'fix by hand'),
    (err: unknown) =>
      err instanceof IllegalTransitionError &&
      err.code === 'ILLEGAL_TRANSITION' &&
      err.from === 'broken' &&
      err.to === 'on' &&
      err.message === 'lamp 1: illegal move broken -> on (fix by hand); expected from broken',
  );
  assert.equal(machine.state, 'broken');
  assert.deepEqual(changed, ['off>broken']);
});
