/** Small pieces the commands share: repeatable options and waiting for a stop signal. */

/** commander's argument parser for a repeatable option: each use appends its value. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** Resolves with the first SIGINT or SIGTERM, then stops listening for them. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
