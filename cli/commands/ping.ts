/** `aes ping`: checks that a kernel answers (prints `PONG from <kernel> in <ms> ms`). */
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { addClientFlags } from './post.js';

export const registerPing: RegisterCommand = (program) => {
  addClientFlags(program.command('ping').description('check that a kernel answers')).action(
    async (flags: ClientFlags) => {
      const { pingOnce } = await import('../../cluster/internal.js');
      const r = await pingOnce(flags);
      process.stdout.write(`${r.reply} from ${r.kernel} in ${r.ms.toFixed(2)} ms\n`);
    },
  );
};
