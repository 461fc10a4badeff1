/**
 * The handlebars templates behind `aes create` and `aes endpoint create`. They ship in the package's
 * `templates/` folder and stay logic-free: every decision is made in TypeScript and passed in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

// scaffold/ (source) and dist/scaffold/ (built) sit one and two levels below.
const CANDIDATES = [
  new URL('../templates/', import.meta.url),
  new URL('../../templates/', import.meta.url),
];

/** The package's templates folder. */
export function templatesDir(): string {
  for (const url of CANDIDATES) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}project`)) return dir;
  }
  throw new Error(
    `aes templates not found (looked in ${CANDIDATES.map((u) => fileURLToPath(u)).join(', ')})`,
  );
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Renders `templates/<name>.hbs` (`name` like `project/package.json`). Nothing is HTML-escaped. */
export function render(name: string, data: object): string {
  let template = compiled.get(name);
  if (template === undefined) {
    const text = readFileSync(`${templatesDir()}${name}.hbs`, 'utf8');
    template = Handlebars.compile(text, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(data);
}

/** The aes package's own package.json (versions for the scaffolded project's dependencies). */
export function aesPackage(): {
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
} {
  const dir = templatesDir();
  const parsed = JSON.parse(readFileSync(`${dir}../package.json`, 'utf8')) as {
    version?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return {
    version: parsed.version ?? '0.0.0',
    dependencies: parsed.dependencies ?? {},
    devDependencies: parsed.devDependencies ?? {},
  };
}
