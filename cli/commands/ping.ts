/** `aes ping [--json]`: checks that a kernel answers (prints `PONG from <kernel> in <ms> ms`). */
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { addClientFlags } from './post.js';

export const registerPing: RegisterCommand = (program) => {
  addClientFlags(program.command('ping').description('check that a kernel answers'))
    .option('--json', 'print the answer as JSON: {"reply","kernel","ms"}')
    .action(async (flags: ClientFlags & { readonly json?: boolean }) => {
      const { pingOnce } = await import('../../cluster/internal.js');
      const r = await pingOnce(flags);
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify({ reply: r.reply, kernel: r.kernel, ms: r.ms })}\n`
          : `${r.reply} from ${r.kernel} in ${r.ms.toFixed(2)} ms\n`,
      );
    });
};
