/**
 * `$input`: the payload and the request parameters.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference
 *
 * The body is parsed as JSON at most once per render, and only when `$input.json` or
 * `$input.path` is called. JSONPath goes through jsonpath-plus (its default "safe" script
 * evaluator, never `eval`, because a path may come from request data).
 */
import { JSONPath } from 'jsonpath-plus';
import { VtlError } from './errors.ts';
import { VtlObject, copyTree, mapPut, newMap, toJsonText, type VtlMap } from './java-values.ts';

/** The request parameters `$input.params()` exposes. */
export interface InputParams {
  readonly path: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  readonly header: Readonly<Record<string, string>>;
}

/**
 * A JSONPath is "indefinite" (Jayway returns a list, even of one element) when it has a deep
 * scan, a wildcard, a filter, a union or a slice; a definite path returns the value itself.
 */
function isDefinite(path: string): boolean {
  return !/\.\.|\*|\[\s*\?|\[[^\]'"]*[,:][^\]'"]*\]/.test(path);
}

/** The `$input` of one render. */
export class InputVariable extends VtlObject {
  readonly #body: string;
  readonly #params: InputParams;
  #parsed: { readonly value: unknown } | undefined;
  #paramsMap: VtlMap | undefined;

  constructor(body: string, params: InputParams) {
    super();
    this.#body = body;
    this.#params = params;
  }

  /** `$input.body`: the raw payload; an empty payload is `{}` (spec §4.6, [aws-snap], localstack#12413). */
  get body(): string {
    return this.#body === '' ? '{}' : this.#body;
  }

  /** The body as JSON, parsed once. A body that is not JSON fails the transformation (RUNTIME). */
  #json(): unknown {
    if (this.#parsed === undefined) {
      try {
        this.#parsed = { value: JSON.parse(this.body) as unknown };
      } catch (cause) {
        throw new VtlError('PORTICO_ERR_VTL_RUNTIME', 'the payload is not valid JSON, so $input.json/$input.path cannot read it', { cause });
      }
    }
    return this.#parsed.value;
  }

  /** `$input.path(x)`: the JSONPath result as a native value; a missing definite path is null. */
  path(path: unknown): unknown {
    const expr = typeof path === 'string' && path !== '' ? path : '$';
    const json = this.#json();
    if (expr === '$') return json;
    if (typeof json !== 'object' || json === null) return isDefinite(expr) ? null : [];
    let found: unknown[];
    try {
      found = JSONPath({ path: expr, json: json as object, wrap: true }) as unknown[];
    } catch (cause) {
      throw new VtlError('PORTICO_ERR_VTL_RUNTIME', `invalid JSONPath ${JSON.stringify(expr)}`, { cause });
    }
    if (isDefinite(expr)) return found.length > 0 ? found[0] : null;
    return found;
  }

  /** `$input.json(x)`: the JSONPath result as JSON text; a missing path gives `""` (spec §4.6). */
  json(path: unknown): string {
    const value = this.path(path);
    return value === null || value === undefined ? '' : toJsonText(value);
  }

  /** `$input.params()`: `{path={…}, querystring={…}, header={…}}` (a copy the template may change). */
  params(): VtlMap {
    if (this.#paramsMap === undefined) {
      const m = newMap();
      mapPut(m, 'path', copyTree(this.#params.path));
      mapPut(m, 'querystring', copyTree(this.#params.querystring));
      mapPut(m, 'header', copyTree(this.#params.header));
      this.#paramsMap = m;
    }
    return this.#paramsMap;
  }

  /**
   * `$input.params('x')`: path, then query string, then header; `""` when absent. Header names
   * are matched exactly first, then case-insensitively (HTTP names are case-insensitive; AWS's
   * exact rule is not documented).
   */
  param(name: unknown): string {
    const key = typeof name === 'string' ? name : String(name);
    const { path, querystring, header } = this.#params;
    for (const source of [path, querystring, header]) {
      if (Object.hasOwn(source, key)) return source[key] ?? '';
    }
    const lower = key.toLowerCase();
    for (const [k, v] of Object.entries(header)) if (k.toLowerCase() === lower) return v;
    return '';
  }

  call(name: string, args: readonly unknown[]): unknown {
    switch (name) {
      case 'json': return this.json(args[0]);
      case 'path': return this.path(args[0]);
      case 'params': return args.length === 0 ? this.params() : this.param(args[0]);
      case 'getBody': return this.body;
      default: return undefined;
    }
  }

  property(name: string): unknown {
    return name === 'body' ? this.body : undefined;
  }

  toString(): string {
    return '';
  }
}
