/** The completion script of each shell `aes completion` knows. */
import { bashCompletion } from './bash.js';
import type { CompletionCommand } from './command-tree.js';
import { fishCompletion } from './fish.js';
import { zshCompletion } from './zsh.js';

export function completionScript(
  shell: 'bash' | 'zsh' | 'fish',
  root: CompletionCommand,
  version: string,
): string {
  switch (shell) {
    case 'bash':
      return bashCompletion(root, version);
    case 'zsh':
      return zshCompletion(root, version);
    case 'fish':
      return fishCompletion(root, version);
  }
}
