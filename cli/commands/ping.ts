/** `aes ping [--json]`: checks that a kernel answers (prints `PONG from <kernel> in <ms> ms`). */
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';
import { addClientFlags } from './post.js';

const EXAMPLES: readonly Example[] = [
  { does: 'check that the kernel at AES_CLUSTER_ADDRESS answers', line: 'aes ping' },
  {
    does: 'another kernel, the answer as JSON',
    line: 'aes ping --address tcp://127.0.0.1:7100 --json',
  },
];

export const registerPing: RegisterCommand = (program) => {
  addClientFlags(
    addExamples(program.command('ping'), EXAMPLES).description('check that a kernel answers'),
  )
    .option('--json', 'print the answer as JSON: {"reply","kernel","ms"}')
    .action(async (flags: ClientFlags & { readonly json?: boolean }) => {
      const { pingOnce } = await import('../../cluster/internal.js');
      const r = await pingOnce(flags);
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify({ reply: r.reply, kernel: r.kernel, ms: r.ms })}\n`
          : `${stdoutPaint()('success', r.reply)} from ${r.kernel} in ${r.ms.toFixed(2)} ms\n`,
      );
    });
};
