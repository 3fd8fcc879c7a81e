import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeContext } from '../../test/helpers/context.ts';
import { buildHttpV2Event } from '../lambda/events/http-v2.ts';
import { contextVariables } from './context-variables.ts';

test('$context.domainName / domainPrefix are the Lambda event\'s requestContext values (IP hosts kept whole)', () => {
  const cases: Array<[host: string, domainName: string, domainPrefix: string]> = [
    ['abc123.execute-api.us-east-1.amazonaws.com', 'abc123.execute-api.us-east-1.amazonaws.com', 'abc123'],
    ['localhost:3000', 'localhost', 'localhost'],
    ['127.0.0.1:4000', '127.0.0.1', '127.0.0.1'],
    ['[::1]:4000', '[::1]', '[::1]'],
    ['', '', ''],
  ];
  for (const [host, name, prefix] of cases) {
    const ctx = makeContext({ host });
    const vars = contextVariables(ctx);
    assert.equal(vars('domainName'), name, host);
    assert.equal(vars('domainPrefix'), prefix, host);
    const rc = buildHttpV2Event(ctx, Buffer.alloc(0), { accountId: '1' }).requestContext;
    assert.deepEqual([rc.domainName, rc.domainPrefix], [name, prefix], host);
  }
});
