/**
 * ImportRestApi's `basepath` option: what the document's base path does to resource paths.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html
 * - Swagger 2.0: the root `basePath`.
 * - OpenAPI 3.0: the first `basePath` server variable's default (even when the URL does not use
 *   it), else the path of `servers[0].url` beyond `/`.
 * - `ignore` (default): no effect; `prepend`: every resource is under the base path;
 *   `split`: the first part of the base path is dropped (it stands for the stage), the rest prepended.
 */
import type { JsonPath } from '../json-path.ts';
import { isRecord, type RestDocContext } from './context.ts';

/** How the base path is applied (ImportRestApi `basepath`). */
export type BasePathMode = 'ignore' | 'prepend' | 'split';

/** The base path as written and where, or undefined when the document has none. */
export function findBasePath(ctx: RestDocContext): { value: string; path: JsonPath } | undefined {
  const { doc } = ctx;
  if (ctx.flavour === 'swagger2') {
    const bp = doc['basePath'];
    return typeof bp === 'string' ? { value: bp, path: ['basePath'] } : undefined;
  }
  const servers = Array.isArray(doc['servers']) ? (doc['servers'] as unknown[]) : [];
  for (const [i, server] of servers.entries()) {
    const v = isRecord(server) && isRecord(server['variables']) ? server['variables']['basePath'] : undefined;
    if (isRecord(v) && typeof v['default'] === 'string') return { value: v['default'], path: ['servers', i, 'variables', 'basePath', 'default'] };
  }
  const first = servers[0];
  if (!isRecord(first) || typeof first['url'] !== 'string') return undefined;
  let pathname: string;
  try {
    // A relative server URL (`/v1`) is resolved against a dummy origin to read its path.
    pathname = new URL(first['url'].replace(/\{[^}]*\}/g, 'x'), 'https://example.com').pathname;
  } catch {
    return undefined;
  }
  return pathname === '/' ? undefined : { value: decodeURIComponent(pathname), path: ['servers', 0, 'url'] };
}

/** The path prefix the mode adds (`''` or `/a/b`). */
export function basePathPrefix(value: string, mode: BasePathMode): string {
  if (mode === 'ignore') return '';
  const parts = value.split('/').filter((p) => p !== '');
  const kept = mode === 'split' ? parts.slice(1) : parts;
  return kept.length > 0 ? `/${kept.join('/')}` : '';
}
