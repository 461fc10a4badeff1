/**
 * How a table for people (`formatClusterStatus`, `formatDeadLetterList`) marks parts of its text:
 * the CLI colours them on a terminal. Each mark gets a cell or row already padded, so that marks
 * such as ANSI escapes never shift the columns; a mark left out leaves the text as it is.
 */
export interface TableStyle {
  /** The header row. */
  heading?(text: string): string;
  /** A STATE cell; `state` is its first word (`running`, `failed`, `unreachable`, …). */
  state?(state: string, text: string): string;
}
