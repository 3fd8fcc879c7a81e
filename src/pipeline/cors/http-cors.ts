/**
 * Built-in CORS of HTTP APIs (`corsConfiguration` / `x-amazon-apigateway-cors`), spec §9.2.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 *
 * What AWS documents, and this module does:
 * - The gateway answers preflights itself, even without an OPTIONS route. A preflight is an
 *   OPTIONS request carrying both `Origin` and `Access-Control-Request-Method`.
 * - Other requests get CORS headers only when they carry an `Origin`.
 * - The integration's own CORS headers are ignored once CORS is configured.
 * - `allowOrigins` takes exact origins, `*`, and the scheme wildcards `https://*` and `http://*`.
 * - `allowCredentials` together with the origin `*` is refused (400 "allow-credentials is not
 *   supported if 'allow-origin' is *", https://github.com/aws/aws-cdk/issues/9076).
 *
 * Where AWS says nothing, the choices below are the conservative ones, each explained where it
 * is made. The two main ones: the configured lists are sent as written (`*` included) and never
 * reflected from the request, and a preflight from a disallowed origin gets a 204 with no CORS
 * headers. In both cases the browser does the enforcing.
 */
import type { CorsConfiguration } from '../../model/index.ts';
import type { GatewayRequest, GatewayResponse, HeaderPair } from '../types.ts';
import { TOKEN } from '../../util/http.ts';

/** A CorsConfiguration compiled once per API: lower-cased sets and the header values, pre-joined. */
export interface CompiledCors {
  /** `*` is among the allowed origins: every origin is allowed, and the answer is a literal `*`. */
  readonly anyOrigin: boolean;
  /** Exact allowed origins, lower-cased. */
  readonly origins: ReadonlySet<string>;
  /** Scheme wildcards as lower-cased prefixes: `https://*` becomes `https://`. */
  readonly originPrefixes: readonly string[];
  readonly allowCredentials: boolean;
  /** `access-control-allow-methods` value, or undefined when the list is empty (header omitted). */
  readonly allowMethods: string | undefined;
  /** `access-control-allow-headers` value, or undefined when the list is empty. */
  readonly allowHeaders: string | undefined;
  /** `access-control-expose-headers` value, or undefined when the list is empty. */
  readonly exposeHeaders: string | undefined;
  /** `access-control-max-age` value, or undefined when maxAge is not set. */
  readonly maxAge: string | undefined;
}

/** The only wildcard origins AWS documents (http-api-cors.html, the allowOrigins examples). */
const SCHEME_WILDCARDS: ReadonlySet<string> = new Set(['https://*', 'http://*']);
const VARY_ORIGIN: HeaderPair = ['vary', 'Origin'];

/**
 * Compiles a configuration for the request path. Call {@link validateCors} first. This function
 * does not check the configuration; it only normalises it.
 */
export function compileCors(config: CorsConfiguration): CompiledCors {
  const origins = new Set<string>();
  const originPrefixes: string[] = [];
  let anyOrigin = false;
  for (const raw of config.allowOrigins) {
    const origin = raw.trim().toLowerCase();
    if (origin === '*') anyOrigin = true;
    else if (SCHEME_WILDCARDS.has(origin)) originPrefixes.push(origin.slice(0, -1));
    else origins.add(origin);
  }
  return {
    anyOrigin,
    origins,
    originPrefixes,
    allowCredentials: config.allowCredentials,
    // A configured `*` is sent as a literal `*`, not replaced by what the request asked for. AWS's
    // table gives `*` as a value of the header itself, and its example is "authorization, *".
    // Under the Fetch rules (§3.2.3), `*` never covers `authorization` and counts only on requests
    // without credentials, so that example needs both entries. If the request were reflected,
    // configurations that fail on AWS would work here.
    // Methods are case-sensitive tokens (RFC 9110 §9.1). Browsers upper-case the standard methods
    // before they compare, so upper-case is the form that matches.
    allowMethods: joinList(config.allowMethods, (m) => m.toUpperCase()),
    // Header names are case-insensitive. AWS shows them lower-cased, as HTTP/2 sends them.
    allowHeaders: joinList(config.allowHeaders, (h) => h.toLowerCase()),
    exposeHeaders: joinList(config.exposeHeaders, (h) => h.toLowerCase()),
    maxAge: config.maxAge === undefined ? undefined : String(config.maxAge),
  };
}

/**
 * True for a CORS preflight: OPTIONS with non-empty `Origin` and `Access-Control-Request-Method`.
 * http-api-cors.html: "For the OPTIONS method, your request must contain an origin header and an
 * Access-Control-Request-Method header."
 */
export function isCorsPreflight(request: GatewayRequest): boolean {
  return request.method === 'OPTIONS' && nonEmpty(request.headers['origin']) && nonEmpty(request.headers['access-control-request-method']);
}

/**
 * The gateway's own answer to a CORS preflight, or undefined when the request is not one. When
 * it returns undefined, the OPTIONS request is routed like any other request.
 *
 * Ordering, for the caller: AWS sends OPTIONS to a route that matches it (an `OPTIONS` or `ANY`
 * route, or `$default`) before it answers on its own. http-api-cors.html: "The $default route
 * catches requests for all methods ... including OPTIONS requests". That is why the page tells
 * you to add an unauthenticated `OPTIONS /{proxy+}` when `$default` has an authorizer. So call
 * this for preflights that matched no route. The call is cheap either way.
 *
 * Status 204 is what AWS sends (spec §9.2, [reported]); AWS does not document it.
 * - Allowed origin: allow-origin, allow-credentials (only when true), allow-methods,
 *   allow-headers and max-age, from the configuration.
 * - Disallowed origin: 204 with no CORS headers, so the browser blocks the real request. Nothing
 *   about the configuration is revealed to an origin that isn't on the list.
 * - The requested method and headers are not checked against the lists. The lists are sent as
 *   configured (AWS: "API Gateway adds the configured CORS headers"), and the browser compares.
 *   Its error then names the missing method or header, which beats a bare missing allow-origin.
 */
export function preflightResponse(cors: CompiledCors, request: GatewayRequest): GatewayResponse | undefined {
  if (!isCorsPreflight(request)) return undefined;
  return { statusCode: 204, headers: preflightHeaders(cors, request), body: null };
}

/**
 * CORS headers to add to a response the integration produced, for a request with an `Origin`:
 * allow-origin, allow-credentials, expose-headers, plus `vary: Origin` when the origin is echoed.
 * Returns [] when there is no Origin or the origin isn't allowed. AWS still serves the request,
 * without CORS headers (spec §9.2 [reported]).
 *
 * An OPTIONS preflight that a route handled (see {@link preflightResponse}) also gets the
 * preflight headers (allow-methods, allow-headers, max-age). The integration's own CORS headers
 * are dropped ({@link stripCorsHeaders}). An unauthenticated `OPTIONS /{proxy+}` route, which
 * AWS recommends, can pass a browser's preflight on AWS only if the gateway adds these headers
 * itself. That is an inference; AWS does not document it.
 */
export function actualResponseHeaders(cors: CompiledCors, request: GatewayRequest): HeaderPair[] {
  if (isCorsPreflight(request)) return preflightHeaders(cors, request);
  const origin = request.headers['origin'];
  if (!nonEmpty(origin)) return [];
  const allowOrigin = allowedOrigin(cors, origin);
  if (allowOrigin === undefined) return [];
  const headers: HeaderPair[] = [['access-control-allow-origin', allowOrigin]];
  if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  if (cors.exposeHeaders !== undefined) headers.push(['access-control-expose-headers', cors.exposeHeaders]);
  // A shared cache must not give one origin's answer to another (Fetch §3.2.5, "CORS protocol
  // and HTTP caches"). With `*`, the answer is the same for every origin.
  if (allowOrigin !== '*') headers.push(VARY_ORIGIN);
  return headers;
}

/**
 * Removes the integration's CORS response headers (`access-control-*`). http-api-cors.html: "If
 * you configure CORS for an API, API Gateway ignores CORS headers returned from your backend
 * integration." Call it only when the API has a CORS configuration.
 */
export function stripCorsHeaders(headers: readonly HeaderPair[]): HeaderPair[] {
  return headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
}

/**
 * Load-time problems with a configuration, as reasons that the caller turns into ConfigErrors.
 * These are the checks AWS's control plane makes (or is reported to make). An empty array means
 * the configuration is valid.
 */
export function validateCors(config: CorsConfiguration): string[] {
  const problems: string[] = [];
  // AWS's own message (400 BadRequestException), https://github.com/aws/aws-cdk/issues/9076;
  // browsers reject `*` on credentialed requests anyway (Fetch §3.2.5).
  if (config.allowCredentials && config.allowOrigins.some((o) => o.trim() === '*')) {
    problems.push("allow-credentials is not supported if 'allow-origin' is *");
  }
  for (const origin of config.allowOrigins) {
    const o = origin.trim();
    if (o === '') problems.push('allowOrigins: an origin is empty');
    // AWS documents only `*`, `https://*` and `http://*`. A subdomain pattern such as
    // `https://*.example.com` is reported to fail deployment (https://arpadt.com/articles/dynamic-origin-http-api),
    // so it is refused here too, not quietly matched.
    else if (o !== '*' && o.includes('*') && !SCHEME_WILDCARDS.has(o.toLowerCase())) {
      problems.push(`allowOrigins: '${o}' is not supported; the only wildcards are '*', 'https://*' and 'http://*'`);
    }
  }
  for (const method of config.allowMethods) {
    // "Method ANY is not supported" (400), https://github.com/aws/aws-cdk/issues/10230.
    if (method.toUpperCase() === 'ANY') problems.push('allowMethods: Method ANY is not supported');
    // CorsMethodList members are StringWithLengthBetween1And64 (botocore apigatewayv2).
    else if (method.length > 64 || !TOKEN.test(method)) problems.push(`allowMethods: '${method}' is not an HTTP method`);
  }
  // AWS does not constrain header names. They are written into response headers, so a value
  // that is not a token (a space, CR/LF) would corrupt the response. It is refused here.
  for (const [field, list] of [['allowHeaders', config.allowHeaders], ['exposeHeaders', config.exposeHeaders]] as const) {
    for (const name of list) {
      if (!TOKEN.test(name.trim())) problems.push(`${field}: '${name}' is not a header name`);
    }
  }
  // MaxAge is IntegerWithLengthBetweenMinus1And86400 (botocore apigatewayv2 `Cors`).
  if (config.maxAge !== undefined && !(Number.isInteger(config.maxAge) && config.maxAge >= -1 && config.maxAge <= 86400)) {
    problems.push(`maxAge: ${config.maxAge} is not an integer between -1 and 86400`);
  }
  return problems;
}

/** The preflight header set for an allowed origin, or [] for a disallowed one. */
function preflightHeaders(cors: CompiledCors, request: GatewayRequest): HeaderPair[] {
  const origin = request.headers['origin'];
  const allowOrigin = nonEmpty(origin) ? allowedOrigin(cors, origin) : undefined;
  if (allowOrigin === undefined) return [];
  const headers: HeaderPair[] = [['access-control-allow-origin', allowOrigin]];
  if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  if (cors.allowMethods !== undefined) headers.push(['access-control-allow-methods', cors.allowMethods]);
  if (cors.allowHeaders !== undefined) headers.push(['access-control-allow-headers', cors.allowHeaders]);
  if (cors.maxAge !== undefined) headers.push(['access-control-max-age', cors.maxAge]);
  if (allowOrigin !== '*') headers.push(VARY_ORIGIN);
  return headers;
}

/**
 * The `access-control-allow-origin` value for an origin: `*` when `*` is configured (a literal `*`
 * is correct because load rejects `*` with credentials), the request's own origin when it matches
 * an exact entry or a scheme wildcard, and undefined otherwise. Origins are compared without
 * regard to case. Browsers send the scheme and host lower-case (RFC 6454 §6.1), so this only
 * forgives configurations written in mixed case.
 */
function allowedOrigin(cors: CompiledCors, origin: string): string | undefined {
  if (cors.anyOrigin) return '*';
  const lower = origin.toLowerCase();
  if (cors.origins.has(lower)) return origin;
  for (const prefix of cors.originPrefixes) {
    if (lower.length > prefix.length && lower.startsWith(prefix)) return origin;
  }
  return undefined;
}

/** Normalises, de-duplicates and joins a list with `,`. Returns undefined when the list is empty. */
function joinList(list: readonly string[], normalise: (s: string) => string): string | undefined {
  const values = [...new Set(list.map((s) => normalise(s.trim())).filter((s) => s !== ''))];
  return values.length === 0 ? undefined : values.join(',');
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
