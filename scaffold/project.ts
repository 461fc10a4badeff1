/**
 * `aes create [dir]`: a ready aes project (config with `$schema`, endpoints/, wsdl/, package.json,
 * tsconfig, README, a config test), every file rendered from the package's handlebars templates and
 * written all or nothing. A non-empty folder is refused unless `force`; running again rewrites the
 * files whole and keeps the endpoint entries the config already has.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScaffoldError } from './errors.js';
import { writeFiles, type PlannedFile } from './file-set.js';
import { CONFIG_FILE } from './project-config.js';
import { aesPackage, render } from './templates.js';

export interface CreateProjectOptions {
  /** The project folder (created when missing). @defaultValue '.' */
  readonly dir?: string;
  /** Node and package name. @defaultValue the folder's name, made a valid name */
  readonly name?: string;
  /** Write into a non-empty folder. */
  readonly force?: boolean;
  /** How the project depends on aes (an npm spec). @defaultValue `^<this version>` */
  readonly aes?: string;
}

export interface CreatedProject {
  readonly dir: string;
  readonly name: string;
  readonly files: readonly string[];
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Files of a project, relative to it, with the template each comes from. */
const PROJECT_FILES: readonly (readonly [string, string])[] = [
  [CONFIG_FILE, 'project/aes.config.json'],
  ['package.json', 'project/package.json'],
  ['tsconfig.json', 'project/tsconfig.json'],
  ['README.md', 'project/README.md'],
  ['.gitignore', 'project/gitignore'],
  ['test/config.test.ts', 'project/config.test.ts'],
  ['endpoints/README.md', 'project/endpoints-readme.md'],
  ['wsdl/README.md', 'project/wsdl-readme.md'],
];

function defaultName(dir: string): string {
  const base = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return base === '' ? 'aes-project' : base;
}

export async function createProject(options: CreateProjectOptions = {}): Promise<CreatedProject> {
  const dir = path.resolve(options.dir ?? '.');
  const name = options.name ?? defaultName(dir);
  if (!NAME.test(name)) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `--name '${name}' is not a project name: lower-case letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters`,
    );
  }
  if (existsSync(dir)) {
    const entries = await readdir(dir).catch((err: unknown) => {
      throw new ScaffoldError('SCAFFOLD_WRITE', `${dir}: not a readable folder`, { cause: err });
    });
    if (entries.length > 0 && options.force !== true) {
      throw new ScaffoldError(
        'SCAFFOLD_NOT_EMPTY',
        `${dir} is not empty (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}); --force writes the project files into it`,
      );
    }
  }
  const pkg = aesPackage();
  const data = {
    name,
    aesSpec: options.aes ?? `^${pkg.version}`,
    versions: {
      typescript: pkg.devDependencies.typescript ?? '^5.0.0',
      typesNode: pkg.devDependencies['@types/node'] ?? '^20.0.0',
      tsx: pkg.dependencies.tsx ?? '^4.0.0',
    },
  };
  // Endpoint entries of an existing config survive a second run.
  let overrides: unknown = {};
  const configPath = path.join(dir, CONFIG_FILE);
  if (existsSync(configPath)) {
    try {
      const old = JSON.parse(await readFile(configPath, 'utf8')) as {
        endpoints?: { overrides?: unknown };
      };
      overrides = old.endpoints?.overrides ?? {};
    } catch (err) {
      throw new ScaffoldError(
        'SCAFFOLD_PROJECT',
        `${configPath}: cannot keep its endpoint entries, it is not valid JSON (${err instanceof Error ? err.message : String(err)}); fix or remove it`,
        { cause: err },
      );
    }
  }
  const files: PlannedFile[] = PROJECT_FILES.map(([file, template]) => {
    let text = render(template, data);
    if (file === CONFIG_FILE) {
      const config = JSON.parse(text) as { endpoints: Record<string, unknown> };
      config.endpoints.overrides = overrides;
      text = `${JSON.stringify(config, null, 2)}\n`;
    }
    return { path: path.join(dir, file), text };
  });
  await writeFiles(files);
  return { dir, name, files: PROJECT_FILES.map(([file]) => file) };
}
