/** A broker URL made safe to log: its password replaced. */

/** Removes credentials from a URL so it can be logged. */
export function redactUrl(url: URL | string): string {
  let copy: URL;
  try {
    copy = new URL(url.toString());
  } catch {
    return '<unparseable url>';
  }
  if (copy.password !== '') copy.password = '***';
  return copy.toString();
}
