/**
 * TypeScript type expressions as a small tree, printed with the right parentheses. Declarations are
 * ts-morph structures; the type inside a property or alias is printed from this tree.
 */

export interface PropExpr {
  readonly name: string;
  readonly optional: boolean;
  readonly type: TypeExpr;
  readonly doc: string | undefined;
}

export type TypeExpr =
  | {
      readonly k: 'keyword';
      readonly name: 'string' | 'number' | 'boolean' | 'unknown' | 'null' | 'undefined' | 'never';
    }
  /** A declared type; `schema` ones are qualified with the types-module alias outside that module. */
  | { readonly k: 'ref'; readonly name: string; readonly schema: boolean }
  | { readonly k: 'literal'; readonly value: string }
  | { readonly k: 'union'; readonly items: readonly TypeExpr[] }
  | { readonly k: 'intersection'; readonly items: readonly TypeExpr[] }
  /**
   * `T[]`. `encoded`: a SOAP-encoded array (`soapenc:Array`), whose items arrive as the child
   * elements of one element, whatever their names; otherwise a repeated element.
   */
  | { readonly k: 'array'; readonly item: TypeExpr; readonly encoded?: true }
  | {
      readonly k: 'object';
      readonly props: readonly PropExpr[];
      readonly index: TypeExpr | undefined;
    }
  /**
   * `base` without `keys`. `indexed` says `base` has an index signature: `Omit` would then keep only
   * the signature (its `keyof` is `string`), so a key-remapping mapped type is printed instead.
   */
  | {
      readonly k: 'omit';
      readonly base: TypeExpr;
      readonly keys: readonly string[];
      readonly indexed: boolean;
    };

export const STRING: TypeExpr = { k: 'keyword', name: 'string' };
export const NUMBER: TypeExpr = { k: 'keyword', name: 'number' };
export const BOOLEAN: TypeExpr = { k: 'keyword', name: 'boolean' };
export const UNKNOWN: TypeExpr = { k: 'keyword', name: 'unknown' };
export const NULL: TypeExpr = { k: 'keyword', name: 'null' };
export const UNDEFINED: TypeExpr = { k: 'keyword', name: 'undefined' };

export function union(items: readonly TypeExpr[]): TypeExpr {
  const flat: TypeExpr[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    for (const part of item.k === 'union' ? item.items : [item]) {
      const key = exprKey(part);
      if (seen.has(key)) continue;
      seen.add(key);
      flat.push(part);
    }
  }
  if (flat.length === 1 && flat[0] !== undefined) return flat[0];
  if (flat.length === 0) return { k: 'keyword', name: 'never' };
  return { k: 'union', items: flat };
}

/** A cheap identity key of an expression (for de-duplication; not TypeScript). */
export function exprKey(e: TypeExpr): string {
  switch (e.k) {
    case 'keyword':
      return e.name;
    case 'ref':
      return `r:${e.name}`;
    case 'literal':
      return `l:${e.value}`;
    case 'array':
      return `a(${exprKey(e.item)})`;
    case 'union':
    case 'intersection':
      return `${e.k}(${e.items.map(exprKey).join(',')})`;
    case 'omit':
      return `o${e.indexed ? 'i' : ''}(${exprKey(e.base)};${e.keys.join(',')})`;
    case 'object':
      return `{${e.props.map((p) => `${p.name}${p.optional ? '?' : ''}:${exprKey(p.type)}`).join(';')}${e.index === undefined ? '' : `;[]:${exprKey(e.index)}`}}`;
  }
}

export function intersection(items: readonly TypeExpr[]): TypeExpr {
  const flat = items.flatMap((i) => (i.k === 'intersection' ? i.items : [i]));
  if (flat.length === 1 && flat[0] !== undefined) return flat[0];
  return { k: 'intersection', items: flat };
}

import { CodeBlockWriter, type WriterFunction } from 'ts-morph';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as written in a type literal: quoted unless it is an identifier. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** Makes text safe inside a `/** ... *\/` comment. */
export function docSafe(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

/** A string literal in single quotes. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** Writes `expr` with ts-morph's writer, so nested object types indent with the file. */
export function writeType(w: CodeBlockWriter, expr: TypeExpr, schemaPrefix: string): void {
  const p = (e: TypeExpr, ctx: 'top' | 'union' | 'intersection' | 'array'): void => {
    switch (e.k) {
      case 'keyword':
        w.write(e.name);
        return;
      case 'ref':
        w.write(e.schema ? schemaPrefix + e.name : e.name);
        return;
      case 'literal':
        w.write(quote(e.value));
        return;
      case 'array':
        p(e.item, 'array');
        w.write('[]');
        return;
      case 'union':
      case 'intersection': {
        const paren = e.k === 'union' ? ctx === 'intersection' || ctx === 'array' : ctx === 'array';
        if (paren) w.write('(');
        e.items.forEach((item, i) => {
          if (i > 0) w.write(e.k === 'union' ? ' | ' : ' & ');
          p(item, e.k);
        });
        if (paren) w.write(')');
        return;
      }
      case 'omit': {
        const keys = e.keys.map(quote).join(' | ');
        if (!e.indexed) {
          w.write('Omit<');
          p(e.base, 'top');
          w.write(`, ${keys}>`);
          return;
        }
        // The key variable must not shadow the base's own name.
        const key = e.base.k === 'ref' && e.base.name === 'K' ? 'P' : 'K';
        w.write(`{ [${key} in keyof `);
        p(e.base, 'array');
        w.write(` as ${key} extends ${keys} ? never : ${key}]: `);
        p(e.base, 'array');
        w.write(`[${key}] }`);
        return;
      }
      case 'object':
        if (e.props.length === 0 && e.index === undefined) {
          w.write('Record<string, never>');
          return;
        }
        w.inlineBlock(() => {
          for (const prop of e.props) {
            if (prop.doc !== undefined) w.writeLine(`/** ${docSafe(prop.doc)} */`);
            w.write(`${propertyName(prop.name)}${prop.optional ? '?' : ''}: `);
            p(prop.type, 'top');
            w.write(';').newLine();
          }
          if (e.index !== undefined) {
            w.write('[name: string]: ');
            p(e.index, 'top');
            w.write(';').newLine();
          }
        });
        return;
    }
  };
  p(expr, 'top');
}

const MARK = '\u0001';
const MARK_END = '\u0002';

/**
 * A writer function for a ts-morph structure's `type`. ts-morph prints a type's continuation lines
 * with a hanging indent one level deeper than the declaration; each continuation line is marked
 * with its depth inside the type, and {@link fixIndentation} restores it after printing.
 */
export function typeWriter(expr: TypeExpr, schemaPrefix: string): WriterFunction {
  return textWriter(printType(expr, schemaPrefix));
}

/** {@link typeWriter} for type text printed already (e.g. `Promise<...>` around a type). */
export function textWriter(text: string): WriterFunction {
  const marked = text.split('\n').map((line, i) => {
    if (i === 0) return line;
    const spaces = line.length - line.trimStart().length;
    return `${MARK}${Math.floor(spaces / 2)}${MARK_END}${line.trimStart()}`;
  });
  return (w) => {
    w.write(marked.join('\n'));
  };
}

/** Re-indents the lines {@link typeWriter} marked: hanging indent (2 spaces) removed, depth kept. */
export function fixIndentation(text: string): string {
  return text.replace(/^( *)\u0001(\d+)\u0002/gm, (_m, lead: string, depth: string) =>
    ' '.repeat(Math.max(0, lead.length - 2) + 2 * Number(depth)),
  );
}

/** Prints `expr` to a string (used for de-duplication and one-line types). */
export function printType(expr: TypeExpr, schemaPrefix: string): string {
  const w = new CodeBlockWriter({ indentNumberOfSpaces: 2, useSingleQuote: true });
  writeType(w, expr, schemaPrefix);
  return w.toString();
}
