/**
 * Questions on a terminal, with node:readline (no dependency): free answers with a default, and a
 * choice from a numbered list (by number or by name). Lines are queued as they arrive, so answers
 * typed ahead (or pasted) are never lost between two questions.
 */
import { createInterface, type Interface } from 'node:readline';
import { ScaffoldError } from '../scaffold/index.js';

export class Prompter {
  readonly #rl: Interface;
  readonly #output: NodeJS.WritableStream;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #closed = false;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.#output = output;
    this.#rl = createInterface({ input, output, terminal: false });
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
  }

  async #line(question: string): Promise<string> {
    this.#output.write(question);
    const queued = this.#lines.shift();
    const line =
      queued ??
      (this.#closed
        ? undefined
        : await new Promise<string | undefined>((resolve) => (this.#waiting = resolve)));
    if (line === undefined) {
      throw new ScaffoldError(
        'SCAFFOLD_USAGE',
        `input ended before an answer to: ${question.trim()}`,
      );
    }
    return line.trim();
  }

  /** A free answer; `fallback` when the answer is empty; asked again while `check` throws. */
  async ask(
    question: string,
    fallback?: string,
    check?: (answer: string) => void,
  ): Promise<string> {
    for (;;) {
      const raw = await this.#line(
        `${question}${fallback === undefined ? '' : ` [${fallback}]`}: `,
      );
      const answer = raw === '' && fallback !== undefined ? fallback : raw;
      if (answer === '') continue;
      try {
        check?.(answer);
        return answer;
      } catch (err) {
        this.#output.write(`  ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  /** One of `choices` (by number or name); with `optional`, an empty answer is undefined. */
  async choose(
    question: string,
    choices: readonly string[],
    optional = false,
  ): Promise<string | undefined> {
    this.#output.write(`${question}\n`);
    choices.forEach((c, i) => this.#output.write(`  ${i + 1}) ${c}\n`));
    for (;;) {
      const answer = await this.#line(optional ? '> (Enter for none) ' : '> ');
      if (answer === '' && optional) return undefined;
      const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
      const picked =
        byNumber ??
        choices.find((c) => c === answer) ??
        choices.find((c) => c.toLowerCase() === answer.toLowerCase());
      if (picked !== undefined) return picked;
      this.#output.write(
        `  '${answer}' is not one of the choices: answer 1-${choices.length} or a name\n`,
      );
    }
  }

  close(): void {
    this.#rl.close();
  }
}
