/**
 * examples/chat with three real `ws` clients: $connect stores each connection, sendmessage
 * broadcasts through the @connections API with the unchanged AWS SDK code, $disconnect cleans
 * up, an unknown action gets the MOCK two-way answer, and the HTTP API serves the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, startGateway, writeProject } from '../../helpers/gateway.ts';
import { open } from './helpers.ts';

test('examples/chat: three clients chat through the @connections API', async (t) => {
  const dir = writeProject(t, {});
  cpSync(new URL('../../../examples/chat', import.meta.url).pathname, dir, { recursive: true });
  // The handler imports the AWS SDK, resolved from the repository as it is in place.
  symlinkSync(new URL('../../../node_modules', import.meta.url).pathname, join(dir, 'node_modules'));
  const [wsPort, sitePort] = [await freePort(), await freePort()];
  const file = join(dir, 'portico.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('port: 3002', `port: ${wsPort}`).replace('port: 3003', `port: ${sitePort}`));
  // The SDK warns about Node 20's end of support on every client; not what this test is about.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const { gateway } = await startGateway(t, dir);
  const url = gateway.endpoints.find((e) => e.name === 'chat')?.url as string;
  assert.equal(url, `ws://127.0.0.1:${wsPort}/dev`);

  const [alice, bob, carol] = [await open(t, url), await open(t, url), await open(t, url)];
  alice.ws.send(JSON.stringify({ action: 'sendmessage', message: 'hello all' }));
  for (const c of [alice, bob, carol]) assert.equal(JSON.parse(String(await c.next())).message, 'hello all');

  // Carol leaves; $disconnect removes her, the next broadcast reaches two.
  carol.ws.close(1000, 'bye');
  await carol.closed;
  await new Promise((r) => setTimeout(r, 200));
  bob.ws.send(JSON.stringify({ action: 'sendmessage', message: 'just us' }));
  for (const c of [alice, bob]) assert.equal(JSON.parse(String(await c.next())).message, 'just us');

  // An unknown action takes the $default MOCK route, a two-way route.
  alice.ws.send('not json');
  assert.match(String(await alice.next()), /unknown action/);

  const page = await request(`http://127.0.0.1:${sitePort}/`);
  assert.equal(page.statusCode, 200);
  assert.match(await page.body.text(), /portico chat/);
});
