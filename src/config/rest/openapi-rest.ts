/**
 * An OpenAPI 3.0 or Swagger 2.0 document → the parts of a RestApi, as AWS's ImportRestApi
 * reads it: every path becomes a resource (intermediate ones created), every operation with an
 * `x-amazon-apigateway-integration` a method, `x-amazon-apigateway-any-method` the `ANY` method.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { Model, Resource, RestAuthorizer, RestHttpMethod } from '../../model/index.ts';
import type { JsonPath } from '../json-path.ts';
import { basePathPrefix, findBasePath, type BasePathMode } from './base-path.ts';
import { isRecord, type RestDocContext } from './context.ts';
import { buildMethod, type MethodInput } from './method.ts';
import { ModelSet } from './models.ts';
import { ResourceTree, splitPath } from './resource-tree.ts';
import { loadRootSettings, type RootSettings } from './root-extensions.ts';
import { SecuritySchemes } from './security.ts';

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
const ANY = 'x-amazon-apigateway-any-method';
const X = 'x-amazon-apigateway-';
/** Root extensions this loader reads. */
const KNOWN_ROOT = new Set(['binary-media-types', 'api-key-source', 'request-validators', 'request-validator', 'gateway-responses', 'policy', 'minimum-compression-size', 'endpoint-configuration'].map((k) => X + k));
/** Extensions AWS knows that portico does not use: a warning says they are ignored. */
const IGNORED_ROOT = new Set(['documentation', 'importexport-version', 'tag-value'].map((k) => X + k));
const KNOWN_OPERATION = new Set([`${X}integration`, `${X}request-validator`, `${X}auth`]);

/** Everything the document defines, ready for the RestApi. */
export interface OpenApiRestResult {
  readonly resources: readonly Resource[];
  readonly models: Readonly<Record<string, Model>>;
  readonly authorizers: Readonly<Record<string, RestAuthorizer>>;
  readonly root: RootSettings;
  readonly description?: string;
  /** `GET /pets/{id}` for every method loaded (stage throttling may name them). */
  readonly routeKeys: ReadonlySet<string>;
}

/** Loads the document's resources, methods, models and settings. */
export function loadOpenApiRest(ctx: RestDocContext, basePathMode: BasePathMode): OpenApiRestResult {
  const { doc, src } = ctx;
  for (const key of Object.keys(doc)) {
    if (!key.startsWith(X) || KNOWN_ROOT.has(key)) continue;
    if (IGNORED_ROOT.has(key)) ctx.warn([key], `${key} is not used by portico and is ignored`);
    else ctx.warn([key], `${key} is not supported for REST APIs and is ignored`);
  }
  const root = loadRootSettings(ctx);
  const models = ModelSet.load(ctx);
  const security = new SecuritySchemes(ctx);
  const tree = new ResourceTree(ctx.apiId);
  const routeKeys = new Set<string>();

  let prefix: string[] = [];
  const bp = findBasePath(ctx);
  if (bp) {
    try {
      prefix = splitPath(basePathPrefix(bp.value, basePathMode) || '/');
    } catch (e) {
      ctx.fail(src.error(bp.path, `base path "${bp.value}": ${(e as Error).message}`));
    }
  }
  const order = keyOrder(src.file);

  const paths = doc['paths'];
  if (paths !== undefined && !isRecord(paths)) ctx.fail(src.error(['paths'], 'must be an object'));
  const claimed = new Map<string, string>();
  for (const [pathKey, item] of Object.entries(isRecord(paths) ? paths : {})) {
    const itemPath: JsonPath = ['paths', pathKey];
    if (pathKey.startsWith('x-')) continue;
    if (!isRecord(item)) {
      ctx.fail(src.error(itemPath, 'a path item must be an object of operations'));
      continue;
    }
    let node;
    try {
      node = tree.ensure([...prefix, ...splitPath(pathKey)]);
    } catch (e) {
      ctx.fail(src.error(itemPath, (e as Error).message));
      continue;
    }
    const other = claimed.get(node.path);
    if (other !== undefined) {
      // `/pets` and `/pets/` are one resource (CreateResource's wording).
      ctx.fail(src.error(itemPath, `Another resource with the same parent already has this name: ${node.pathPart ?? '/'} (also defined by "${other}")`));
      continue;
    }
    claimed.set(node.path, pathKey);
    if ('trace' in item) ctx.warn([...itemPath, 'trace'], 'REST APIs have no TRACE method; the operation is skipped');
    for (const key of Object.keys(item)) {
      if (key.startsWith(X) && key !== ANY) ctx.warn([...itemPath, key], `${key} is not supported on a path item and is ignored`);
    }
    const input: MethodInput = { ctx, models, security, root, pathParameters: item['parameters'], itemPath, responseOrder: order };
    const ops: [string, RestHttpMethod][] = OPERATIONS.filter((m) => m in item).map((m) => [m, m.toUpperCase() as RestHttpMethod]);
    if (ANY in item) ops.push([ANY, 'ANY']);
    for (const [opKey, httpMethod] of ops) {
      const op = item[opKey];
      const opPath: JsonPath = [...itemPath, opKey];
      if (!isRecord(op)) {
        ctx.fail(src.error(opPath, 'an operation must be an object'));
        continue;
      }
      for (const key of Object.keys(op)) {
        if (key.startsWith(X) && !KNOWN_OPERATION.has(key)) ctx.warn([...opPath, key], `${key} is not supported on a REST operation and is ignored`);
      }
      if (op[`${X}integration`] === undefined) {
        // AWS imports it as a method without integration, which cannot be deployed.
        ctx.warn(opPath, `${httpMethod} ${pathKey} has no x-amazon-apigateway-integration; AWS cannot deploy such a method and portico skips it`);
        continue;
      }
      const method = buildMethod(input, httpMethod, op, opPath);
      if (!method) continue;
      node.methods[httpMethod] = method;
      routeKeys.add(`${httpMethod} ${node.path}`);
    }
  }
  const info = isRecord(doc['info']) ? doc['info'] : {};
  return {
    resources: tree.resources(),
    models: models.models,
    authorizers: security.authorizers,
    root,
    ...(typeof info['description'] === 'string' ? { description: info['description'] } : {}),
    routeKeys,
  };
}

/**
 * The keys of the map at a path, in document order: the parsed object puts integer-like keys
 * (a selection pattern `400`) first, but AWS keeps integration responses in written order.
 * The file is parsed again only when asked.
 */
function keyOrder(file: string): (path: JsonPath) => readonly string[] | undefined {
  let doc: Document | undefined;
  return (path) => {
    try {
      doc ??= parseDocument(readFileSync(file, 'utf8'));
      const node: unknown = doc.getIn(path, true);
      return isMap(node) ? node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : undefined;
    } catch {
      return undefined;
    }
  };
}
