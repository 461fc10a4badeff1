/**
 * `aes completion bash|zsh|fish`: prints a completion script for the shell, made from this very
 * command tree (every command, subcommand and option), so it never lists a command that is gone.
 */
import { Argument } from 'commander';
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  { does: 'bash, for every user', line: 'aes completion bash > /etc/bash_completion.d/aes' },
  { does: 'zsh, in ~/.zshrc after compinit', line: 'source <(aes completion zsh)' },
  { does: 'fish', line: 'aes completion fish > ~/.config/fish/completions/aes.fish' },
];

/** The shells `aes completion` writes for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

export const registerCompletion: RegisterCommand = (program, setExitCode) => {
  addExamples(program.command('completion'), EXAMPLES)
    .description('print a completion script for bash, zsh or fish (install it as its --help says)')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action(async (shell: CompletionShell) => {
      const [{ packageVersion }, { commandTree }, scripts] = await Promise.all([
        import('../../runtime/version.js'),
        import('../completion/command-tree.js'),
        import('../completion/scripts.js'),
      ]);
      // The program is whole by now: every command registered itself before parsing began.
      process.stdout.write(scripts.completionScript(shell, commandTree(program), packageVersion()));
      setExitCode(0);
    });
};
