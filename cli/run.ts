/** Runs the CLI from source (tests and development): `node --import tsx cli/run.ts ...`. */
import { main } from './main.js';

process.exitCode = await main(process.argv);
