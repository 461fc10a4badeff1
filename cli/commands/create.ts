/** `aes create [dir] [--json]`: a ready aes project, from the package's templates. */
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  {
    does: 'a project in a new folder orders/, then its first endpoint',
    line: 'aes create orders && cd orders && npm install && npx aes endpoint create',
  },
  { does: 'in this folder, with another name', line: 'aes create --name orders-node' },
];

interface Flags {
  readonly force?: boolean;
  readonly name?: string;
  readonly aes?: string;
  readonly json?: boolean;
}

export const registerCreate: RegisterCommand = (program, setExitCode) => {
  addExamples(program.command('create'), EXAMPLES)
    .description('create an aes project: config, endpoints/, wsdl/, package.json, tsconfig, README')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .option('--force', 'write into a folder that is not empty (files are rewritten whole)')
    .option('--name <name>', "the node's and the package's name (default: the folder's name)")
    .option(
      '--aes <spec>',
      'how the project depends on aes (the package aes-endpoint-server), an npm spec (default: ^<this version>)',
    )
    .option('--json', 'print the project created (name, folder, files) as JSON')
    .action(async (dir: string, flags: Flags) => {
      const { createProject } = await import('../../scaffold/index.js');
      const created = await createProject({
        dir,
        force: flags.force === true,
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.aes === undefined ? {} : { aes: flags.aes }),
      });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        setExitCode(0);
        return;
      }
      process.stdout.write(
        `${stdoutPaint()('success', `created aes project '${created.name}'`)} in ${created.dir}\n` +
          created.files.map((f) => `  ${f}\n`).join('') +
          `next:\n  cd ${dir}\n  npm install\n  npx aes endpoint create\n`,
      );
      setExitCode(0);
    });
};
