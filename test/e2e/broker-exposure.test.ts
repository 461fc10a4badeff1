/**
 * `aes run`'s embedded broker takes no logins and no TLS: bound beyond loopback, the node says
 * so at start-up (a warning naming the address and the fix); on loopback it stays quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, RunningNode } from './support/project.js';

const WARNING = /^embedded broker bound to 0\.0\.0\.0: it takes no logins and no TLS/;

test('an embedded broker bound to every interface is warned about; on loopback it is not', async () => {
  {
    await using project = await makeProject({
      node: 'exposed',
      endpoints: {},
      config: { broker: { embedded: { host: '0.0.0.0', port: 0 } } },
    });
    await using node = await RunningNode.start('exposed', project);
    const line = await node.waitLine('the exposure warning', (l) => WARNING.test(l.msg));
    assert.equal(line.level, 'warn');
    assert.match(line.msg, /aes broker' with --user and --tls-cert/);
  }
  {
    await using project = await makeProject({ node: 'loopback', endpoints: {} });
    await using node = await RunningNode.start('loopback', project);
    // The cluster listener starts after the broker (and after where the warning would be).
    await node.waitLine('the kernel to listen', (l) => l.msg === 'kernel listening');
    assert.equal(
      node.lines.some((l) => WARNING.test(l.msg)),
      false,
      'a loopback broker was warned about',
    );
  }
});
