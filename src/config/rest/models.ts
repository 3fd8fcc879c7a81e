/**
 * Models: `components.schemas` (OpenAPI 3) or `definitions` (Swagger 2), each a JSON Schema
 * draft 4 document. Every `$ref` to a model is rewritten to AWS's canonical form
 * `https://apigateway.amazonaws.com/restapis/{apiId}/models/{Name}`, as GetModel returns it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
 */
import { createHash } from 'node:crypto';
import type { Model } from '../../model/index.ts';
import type { JsonPath } from '../json-path.ts';
import { isRecord, unescapePointer, type RestDocContext } from './context.ts';

const LOCAL_REF = /^#\/(?:components\/schemas|definitions)\/([^/]+)$/;
const AWS_REF = /^https:\/\/apigateway\.amazonaws\.com\/restapis\/[^/]+\/models\/([^/]+)$/;
// "Model name must be alphanumeric: inline_response_200_1" (AWS import warning, reported).
const MODEL_NAME = /^[A-Za-z0-9]+$/;

/** The models of a document, and how operations refer to them. */
export class ModelSet {
  readonly models: Record<string, Model> = {};
  readonly #ctx: RestDocContext;
  readonly #declared: ReadonlySet<string>;

  private constructor(ctx: RestDocContext, declared: ReadonlySet<string>) {
    this.#ctx = ctx;
    this.#declared = declared;
  }

  /** Loads every model of the document (errors go to ctx.fail). */
  static load(ctx: RestDocContext): ModelSet {
    const key = ctx.flavour === 'oas3' ? ['components', 'schemas'] : ['definitions'];
    let raw: unknown = ctx.doc;
    for (const k of key) raw = isRecord(raw) ? raw[k] : undefined;
    const schemas = isRecord(raw) ? raw : {};
    if (raw !== undefined && !isRecord(raw)) ctx.fail(ctx.src.error(key, 'must be an object of schemas'));
    const set = new ModelSet(ctx, new Set(Object.keys(schemas)));
    for (const [name, schema] of Object.entries(schemas)) {
      const path = [...key, name];
      if (!MODEL_NAME.test(name)) {
        ctx.fail(ctx.src.error(path, `Model name must be alphanumeric: ${name}`));
        continue;
      }
      if (!isRecord(schema)) {
        ctx.fail(ctx.src.error(path, 'a model schema must be an object'));
        continue;
      }
      set.models[name] = { name, contentType: 'application/json', schema: set.rewrite(schema, path) };
    }
    return set;
  }

  /** The model name a `$ref` names, or undefined (reported) when it names none. */
  refName(ref: unknown, path: JsonPath): string | undefined {
    const name = typeof ref === 'string' ? (LOCAL_REF.exec(ref) ?? AWS_REF.exec(ref))?.[1] : undefined;
    const model = name === undefined ? undefined : unescapePointer(name);
    if (model === undefined || !this.#declared.has(model)) {
      const known = [...this.#declared].join(', ') || 'none';
      this.#ctx.fail(this.#ctx.src.error(path, `unresolvable $ref ${JSON.stringify(ref)}: it must name a model of ${this.#ctx.flavour === 'oas3' ? 'components.schemas' : 'definitions'} (models: ${known})`));
      return undefined;
    }
    return model;
  }

  /**
   * The model for a request or response schema: the one a bare `$ref` names, or a model made
   * from an inline schema. AWS names such models itself; portico derives `MODEL` + 6 hex digits
   * from the schema's location, so the name is stable (exact AWS naming not verified).
   */
  modelFor(schema: unknown, path: JsonPath): string | undefined {
    if (!isRecord(schema)) {
      this.#ctx.fail(this.#ctx.src.error(path, 'a schema must be an object'));
      return undefined;
    }
    if (typeof schema['$ref'] === 'string' && Object.keys(schema).length === 1) return this.refName(schema['$ref'], [...path, '$ref']);
    let name = `MODEL${createHash('sha256').update(`${this.#ctx.apiId} ${JSON.stringify(path)}`).digest('hex').slice(0, 6)}`;
    while (this.models[name] !== undefined || this.#declared.has(name)) name += '0';
    this.models[name] = { name, contentType: 'application/json', schema: this.rewrite(schema, path) };
    return name;
  }

  /** A deep copy of `schema` with every model `$ref` in AWS's canonical form. */
  rewrite(schema: Record<string, unknown>, path: JsonPath): Record<string, unknown> {
    const walk = (node: unknown, at: JsonPath): unknown => {
      if (Array.isArray(node)) return node.map((v, i) => walk(v, [...at, i]));
      if (!isRecord(node)) return node;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          const name = this.refName(v, [...at, k]);
          out[k] = name === undefined ? v : `https://apigateway.amazonaws.com/restapis/${this.#ctx.apiId}/models/${name}`;
        } else out[k] = walk(v, [...at, k]);
      }
      return out;
    };
    return walk(schema, path) as Record<string, unknown>;
  }
}
