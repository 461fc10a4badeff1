/**
 * Removes what crashed test beds left on this machine — `aes-<pid>-<n>-*` network namespaces
 * (their processes killed first) and `aes-hosts-<pid>-*` folders whose pid is dead — and says
 * what it removed: `node --import tsx test/support/hosts/sweep-main.ts` (as root). Every bed
 * does this when it starts; this is for a machine where none will start soon.
 */
import { sweepLeftovers } from './system.js';

const swept = sweepLeftovers();
console.log(swept.length === 0 ? 'hosts: nothing to sweep' : `hosts: swept ${swept.join(', ')}`);
