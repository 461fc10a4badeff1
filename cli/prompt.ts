/**
 * Questions on a terminal, with node:readline (no dependency): free answers with a default, and a
 * choice from a numbered list (by number or by name). Lines are queued as they arrive, so answers
 * typed ahead (or pasted) are never lost between two questions.
 *
 * A list's question may also take answers beyond its choices (`Choice.other`: a field's path).
 * An answer that is refused (its check throws) is explained and the same question asked again, every
 * earlier answer kept; after `maxBadAnswers` refusals in a row, or when the input ends, the question
 * gives up with the last refusal's error (or, when nothing was refused, one saying the input ended).
 * On a terminal, Tab completes the current question's answer: a path for the questions that take
 * one, a choice's name for a list; a double Tab lists the candidates. Ctrl-C ends the process as it
 * would without the prompt.
 */
import { createInterface, type Interface } from 'node:readline';
import { ScaffoldError } from '../scaffold/index.js';
import type { CompleterResult } from './path-completer.js';

/** How many refused answers in a row to one question end the run. */
export const MAX_BAD_ANSWERS = 5;

/** Completes the answer typed so far (the text before the cursor). */
export type Completer = (line: string) => Promise<CompleterResult> | CompleterResult;

export interface PrompterOptions {
  /**
   * Refused answers in a row to one question after which it gives up.
   * @defaultValue `MAX_BAD_ANSWERS`
   */
  readonly maxBadAnswers?: number;
  /**
   * Whether the input is a terminal to edit lines on (Tab completion, history, raw mode).
   * @defaultValue whether both streams are TTYs
   */
  readonly terminal?: boolean;
}

/** A free answer's question. */
export interface Question<T> {
  readonly question: string;
  /** The answer when Enter is pressed on an empty line (shown in brackets). */
  readonly fallback?: string;
  /** The answer's value; throws (an error saying what is wrong and where) to refuse it. */
  readonly parse: (answer: string) => T | Promise<T>;
  /** Tab completion of this question's answer. */
  readonly complete?: Completer;
}

/** A choice's question. */
export interface Choice {
  readonly question: string;
  readonly choices: readonly string[];
  /** An empty answer (Enter) picks none. */
  readonly optional?: boolean;
  /** Throws to refuse a choice that is in the list but does not fit the earlier answers. */
  readonly check?: (choice: string) => void;
  /**
   * Takes an answer that is neither a choice's number nor its name, returning what it stands for,
   * or throws (an error saying what is wrong and where) to refuse it. Without it such an answer is
   * refused as not one of the choices.
   */
  readonly other?: (answer: string) => string;
}

/** An empty answer to a question without a fallback: asked again, not counted as refused. */
class EmptyAnswer extends Error {
  override readonly name = 'EmptyAnswer';
}

function isTty(stream: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export class Prompter {
  readonly #rl: Interface;
  readonly #output: NodeJS.WritableStream;
  readonly #maxBadAnswers: number;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #closed = false;
  #complete: Completer | undefined;

  constructor(
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
    options: PrompterOptions = {},
  ) {
    this.#output = output;
    this.#maxBadAnswers = options.maxBadAnswers ?? MAX_BAD_ANSWERS;
    const terminal = options.terminal ?? (isTty(input) && isTty(output));
    this.#rl = createInterface({
      input,
      output,
      terminal,
      ...(terminal
        ? {
            completer: (
              line: string,
              callback: (err: Error | null, result: CompleterResult) => void,
            ) => {
              this.#completions(line).then(
                (result) => callback(null, result),
                () => callback(null, [[], line]), // a completion that fails offers nothing
              );
            },
          }
        : {}),
    });
    this.#rl.on('line', (line) => {
      const wake = this.#waiting;
      this.#waiting = undefined;
      if (wake !== undefined) wake(line);
      else this.#lines.push(line);
    });
    this.#rl.on('close', () => {
      this.#closed = true;
      const wake = this.#waiting;
      this.#waiting = undefined;
      wake?.(undefined);
    });
    // In raw mode Ctrl-C reaches readline, not the process: end as the signal would have.
    this.#rl.on('SIGINT', () => {
      this.#rl.close();
      process.kill(process.pid, 'SIGINT');
    });
  }

  async #completions(line: string): Promise<CompleterResult> {
    return (await this.#complete?.(line)) ?? [[], line];
  }

  async #line(question: string, complete: Completer | undefined): Promise<string> {
    this.#complete = complete;
    if (this.#closed) {
      this.#output.write(question); // the lines left of an input that has ended
    } else {
      this.#rl.setPrompt(question);
      this.#rl.prompt();
    }
    const queued = this.#lines.shift();
    const line =
      queued ??
      (this.#closed
        ? undefined
        : await new Promise<string | undefined>((resolve) => (this.#waiting = resolve)));
    this.#complete = undefined;
    if (line === undefined) {
      this.#output.write('\n');
      throw new ScaffoldError(
        'SCAFFOLD_USAGE',
        `input ended before an answer to: ${question.trim()}`,
      );
    }
    return line.trim();
  }

  /**
   * Asks `question` until `parse` takes an answer; an empty answer is the fallback, or asked again
   * without counting as refused when there is none.
   */
  async #until<T>(
    question: string,
    parse: (answer: string) => T | Promise<T>,
    complete: Completer | undefined,
  ): Promise<T> {
    let refused: unknown;
    let inARow = 0;
    for (;;) {
      let answer: string;
      try {
        answer = await this.#line(question, complete);
      } catch (ended) {
        throw refused ?? ended; // the input ended: the last refusal is what went wrong
      }
      try {
        return await parse(answer);
      } catch (err) {
        if (err instanceof EmptyAnswer) continue;
        refused = err;
        inARow += 1;
        if (inARow >= this.#maxBadAnswers) {
          this.#output.write(`  ${inARow} answers refused in a row: giving up\n`);
          throw err;
        }
        this.#output.write(`  ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  /** A free answer, taken by `q.parse`; asked again while `q.parse` throws. */
  async ask<T>(q: Question<T>): Promise<T> {
    const prompt = `${q.question}${q.fallback === undefined ? '' : ` [${q.fallback}]`}: `;
    return this.#until(
      prompt,
      (raw) => {
        const answer = raw === '' && q.fallback !== undefined ? q.fallback : raw;
        if (answer === '') throw new EmptyAnswer();
        return q.parse(answer);
      },
      q.complete,
    );
  }

  /** One of `c.choices` (by number or name); with `c.optional`, an empty answer is undefined. */
  async choose(c: Choice): Promise<string | undefined> {
    const { choices } = c;
    this.#output.write(`${c.question}\n`);
    choices.forEach((name, i) => this.#output.write(`  ${i + 1}) ${name}\n`));
    return this.#until(
      c.optional === true ? '> (Enter for none) ' : '> ',
      (answer) => {
        if (answer === '' && c.optional === true) return undefined;
        const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
        const picked =
          byNumber ??
          choices.find((name) => name === answer) ??
          choices.find((name) => name.toLowerCase() === answer.toLowerCase());
        if (picked === undefined) {
          // A number is always a choice's: one out of range is refused, never taken as a name.
          if (c.other !== undefined && answer !== '' && !/^\d+$/.test(answer))
            return c.other(answer);
          throw new ScaffoldError(
            'SCAFFOLD_USAGE',
            `'${answer}' is not one of the choices: answer 1-${choices.length} or a name`,
          );
        }
        c.check?.(picked);
        return picked;
      },
      (line) => [choices.filter((name) => name.startsWith(line)), line],
    );
  }

  close(): void {
    this.#rl.close();
  }
}
