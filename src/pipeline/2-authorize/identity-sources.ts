/**
 * Identity sources of Lambda authorizers: where the caller's identity is read from, compiled
 * once at load into lookups.
 *
 * REST (`identitySource`, comma-separated): `method.request.header.X`,
 * `method.request.querystring.X`, `stageVariables.X`, `context.X`. "Path parameters can be
 * passed as request parameters to the Lambda authorizer function, but they cannot be used as
 * identity sources."
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (identitySource)
 *
 * WebSocket (`identitySource`, a list): `route.request.header.X`, `route.request.querystring.X`,
 * `stageVariables.X`, `context.X`.
 * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html (identitySource)
 *
 * Header names compare case-insensitively (HTTP), query names case-sensitively. A repeated header
 * or query parameter gives its LAST value, as the single-value maps of the events do.
 */

/** The flavour whose syntax a source is written in. */
export type IdentityFlavour = 'REST' | 'WEBSOCKET';

/** One compiled source. */
export interface IdentitySource {
  /** As written, for messages. */
  readonly expression: string;
  readonly kind: 'header' | 'querystring' | 'stageVariables' | 'context';
  /** Lower-cased for headers. */
  readonly name: string;
}

/** What the sources are read from, for one request. */
export interface IdentityInput {
  /** Request headers in arrival order, client casing. */
  readonly headers: readonly (readonly [string, string])[];
  /** Decoded query parameters in order. */
  readonly query: readonly (readonly [string, string])[];
  readonly stageVariables: Readonly<Record<string, string>>;
  /** `$context.<path>` as a string, or undefined. */
  readonly context: (path: string) => string | undefined;
}

const PREFIXES: Readonly<Record<IdentityFlavour, string>> = { REST: 'method.request.', WEBSOCKET: 'route.request.' };
// Names as AWS's mapping expressions allow them (CDK: `[a-zA-Z0-9._-]+`); header names may
// hold any token character, so those are allowed too.
const NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Parses identity sources (a REST comma-separated string, or a WebSocket list). Throws an Error
 * naming the first expression that is not one of the flavour's four forms.
 */
export function compileIdentitySources(sources: string | readonly string[], flavour: IdentityFlavour): IdentitySource[] {
  const list = typeof sources === 'string' ? sources.split(',') : sources;
  const prefix = PREFIXES[flavour];
  return list
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((expression): IdentitySource => {
      let kind: IdentitySource['kind'] | undefined;
      let name = '';
      for (const k of ['header', 'querystring'] as const) {
        if (expression.startsWith(`${prefix}${k}.`)) [kind, name] = [k, expression.slice(prefix.length + k.length + 1)];
      }
      if (expression.startsWith('stageVariables.')) [kind, name] = ['stageVariables', expression.slice('stageVariables.'.length)];
      else if (expression.startsWith('context.')) [kind, name] = ['context', expression.slice('context.'.length)];
      if (kind === undefined || !NAME.test(name)) {
        const path = flavour === 'REST' ? ' (path parameters cannot be identity sources)' : '';
        throw new Error(`identity source "${expression}" is not ${prefix}header.NAME, ${prefix}querystring.NAME, stageVariables.NAME or context.NAME${path}`);
      }
      return { expression, kind, name: kind === 'header' ? name.toLowerCase() : name };
    });
}

/** The last value of `name` in `pairs` (`lower`: compare names case-insensitively). */
function last(pairs: readonly (readonly [string, string])[], name: string, lower: boolean): string | undefined {
  let found: string | undefined;
  for (const [k, v] of pairs) if ((lower ? k.toLowerCase() : k) === name) found = v;
  return found;
}

/** The value of one source for this request, or undefined when the request has none. */
export function identityValue(source: IdentitySource, input: IdentityInput): string | undefined {
  switch (source.kind) {
    case 'header':
      return last(input.headers, source.name, true);
    case 'querystring':
      return last(input.query, source.name, false);
    case 'stageVariables':
      return Object.hasOwn(input.stageVariables, source.name) ? input.stageVariables[source.name] : undefined;
    case 'context':
      return input.context(source.name);
  }
}

/**
 * Every source's value, in order; `undefined` when any is missing or empty, which AWS answers
 * with 401 without invoking the function ("If any of the specified identity sources is
 * missing, null, or empty, API Gateway returns a 401 Unauthorized response without calling the
 * Lambda authorizer function"; REST: only with caching on).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
 */
export function identityValues(sources: readonly IdentitySource[], input: IdentityInput): string[] | undefined {
  const values: string[] = [];
  for (const source of sources) {
    const value = identityValue(source, input);
    if (value === undefined || value === '') return undefined;
    values.push(value);
  }
  return values;
}
