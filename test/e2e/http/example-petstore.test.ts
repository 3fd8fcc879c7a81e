/**
 * The bundled example, served as `portico serve examples/petstore-http` serves it (own ports
 * replaced by free ones): Lambda routes 2.0/1.0, HTTP_PROXY to the second API, CORS, throttling,
 * and reaching each API through the shared port by Host and by path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, startGateway, writeProject } from '../../helpers/gateway.ts';

test('examples/petstore-http end to end', async (t) => {
  const dir = writeProject(t, {});
  cpSync(new URL('../../../examples/petstore-http', import.meta.url).pathname, dir, { recursive: true });
  const [p1, p2] = [await freePort(), await freePort()];
  const yaml = readFileSync(join(dir, 'portico.yaml'), 'utf8').replace('port: 3000', `port: ${p1}`).replace('port: 3001', `port: ${p2}`).replace('http://127.0.0.1:3001', `http://127.0.0.1:${p2}`);
  writeFileSync(join(dir, 'portico.yaml'), yaml);
  const { gateway, base: shared } = await startGateway(t, dir);
  const pets = `http://127.0.0.1:${p1}`;

  await t.test('serve lists one line per API and stage with its invoke URL', () => {
    assert.deepEqual(
      gateway.endpoints.map((e) => `${e.name} ${e.type} ${e.stage} ${e.url}`),
      [`pets HTTP $default http://127.0.0.1:${p1}/`, `inventory HTTP $default http://127.0.0.1:${p2}/`],
    );
  });

  await t.test('GET /pets (payload 2.0) with a query string', async () => {
    const res = await request(`${pets}/pets?type=dog`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-pet-count'], '1');
    assert.deepEqual(await res.body.json(), [{ id: '1', name: 'Rex', type: 'dog' }]);
  });

  await t.test('GET /pets/{id} (payload 1.0), and its 404', async () => {
    const ok = await request(`${pets}/pets/2`);
    assert.deepEqual(await ok.body.json(), { id: '2', name: 'Tom', type: 'cat' });
    const missing = await request(`${pets}/pets/99`);
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(await missing.body.json(), { message: 'no such pet' });
  });

  await t.test('HTTP_PROXY route to the second API, with {proxy}, stage variables and a mapped header', async () => {
    const res = await request(`${pets}/inventory/stock/ball`);
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as Record<string, unknown>;
    assert.equal(body['item'], 'ball');
    assert.equal(body['warehouse'], 'north');
    // append:header.x-request-id ← $context.requestId: the pets API's request id reached the backend.
    assert.equal(body['requestId'], res.headers['apigw-requestid']);
  });

  await t.test('CORS: preflight answered by the gateway; actual responses carry the allowed origin', async () => {
    const pre = await request(`${pets}/pets`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    await pre.body.dump();
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    assert.equal(pre.headers['access-control-max-age'], '600');
    const actual = await request(`${pets}/pets`, { headers: { origin: 'http://localhost:5173' } });
    await actual.body.dump();
    assert.equal(actual.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.equal(actual.headers['access-control-expose-headers'], 'x-pet-count');
    const other = await request(`${pets}/pets`, { headers: { origin: 'https://evil.example' } });
    await other.body.dump();
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  await t.test('throttling: POST /pets has burst 2, the next request within the burst window is 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(`${pets}/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `p${i}` }) });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) assert.deepEqual(await res.body.json(), { message: 'Too Many Requests' });
      else await res.body.dump();
    }
    // Rate 1/s refills at most one token while these four run, so at least one is refused.
    assert.deepEqual(statuses.slice(0, 2), [201, 201]);
    assert.ok(statuses.includes(429), `statuses ${statuses.join(',')}`);
    // Other routes have their own bucket.
    assert.equal((await request(`${pets}/pets`)).statusCode, 200);
  });

  await t.test('the shared port reaches each API by Host {apiId}.execute-api.* and by /_aws/execute-api/{apiId}/', async () => {
    const inventoryId = gateway.endpoints.find((e) => e.name === 'inventory')?.apiId as string;
    const byHost = await request(`${shared}/stock/ab`, { headers: { host: `${inventoryId}.execute-api.localhost` } });
    assert.equal(byHost.statusCode, 200);
    assert.equal(((await byHost.body.json()) as Record<string, unknown>)['item'], 'ab');
    const byPath = await request(`${shared}/_aws/execute-api/${inventoryId}/stock/cd`);
    assert.equal(((await byPath.body.json()) as Record<string, unknown>)['item'], 'cd');
    const neither = await request(`${shared}/stock/ab`);
    assert.equal(neither.statusCode, 404);
    assert.match(String(((await neither.body.json()) as Record<string, unknown>)['detail']), /execute-api/);
  });
});
