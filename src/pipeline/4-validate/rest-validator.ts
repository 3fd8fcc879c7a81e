/**
 * REST request validation (spec §10.2): a method's `requestValidatorId` names a
 * RequestValidator that checks required parameters and/or the body against a model.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 * Models are JSON Schema draft 4, compiled once per API at load; a request only runs them.
 */
import Ajv04Module from 'ajv-draft-04';
import type { Method, RestApi } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { essence } from '../../util/media-types.ts';
import { schemaErrorMessages } from './schema-errors.ts';

// ajv-draft-04 is CommonJS (`module.exports = Ajv`, `Ajv.default = Ajv`); `.default` is the class either way.
const Ajv04 = Ajv04Module.default;

/** A compiled model: AWS-worded error messages for a value, empty when it is valid. */
export type ModelCheck = (value: unknown) => readonly string[];

/** An API's models by name, compiled (the built-in `Empty` and `Error` included unless redefined). */
export type CompiledModels = ReadonlyMap<string, ModelCheck>;

/** What the validator reads from a request. */
export interface ValidationInput {
  /** Lower-cased names (as `GatewayRequest.headers`); repeated headers joined with `,`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded query pairs in order, as `parseQuery` returns them. */
  readonly query: readonly (readonly [name: string, value: string])[];
  /** The matched resource's path parameters. */
  readonly pathParameters: Readonly<Record<string, string>>;
  /** The request's `Content-Type` header, if any. */
  readonly contentType: string | undefined;
  /** Reads the body; called only when a model applies. */
  readonly body: () => Promise<Buffer>;
}

/** Validates one request; rejects with GatewayError BAD_REQUEST_PARAMETERS or BAD_REQUEST_BODY. */
export type MethodValidator = (input: ValidationInput) => Promise<void>;

/** AWS's canonical model URL, which the loader rewrites every model `$ref` to. */
export function modelUrl(apiId: string, name: string): string {
  return `https://apigateway.amazonaws.com/restapis/${apiId}/models/${name}`;
}

/**
 * The models CreateRestApi adds to every REST API.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
 */
const BUILT_IN_MODELS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  Empty: { title: 'Empty Schema', type: 'object' },
  Error: { title: 'Error Schema', type: 'object', properties: { message: { type: 'string' } } },
};

/** Compiles every model of an API once (ajv draft-04, one instance per API so ids of two APIs never clash). Throws Error naming the model on a bad schema or an unresolvable `$ref`. */
export function compileModels(api: RestApi): CompiledModels {
  // `verbose` gives each error its data and schema, for AWS's wording of the messages.
  // Formats are not checked: ajv-formats is not installed (AWS checks e.g. `email`).
  const ajv = new Ajv04({ allErrors: true, strict: false, verbose: true, validateFormats: false, logger: false });
  const schemas = new Map<string, Readonly<Record<string, unknown>>>(Object.entries(BUILT_IN_MODELS));
  for (const [name, model] of Object.entries(api.models)) schemas.set(name, model.schema);

  for (const [name, schema] of schemas) {
    // The canonical URL is the model's identity: a schema's own `id`/`$schema` must not override it.
    const { id: _id, $id: _$id, $schema: _schema, ...rest } = schema;
    try {
      ajv.addSchema(rest, modelUrl(api.apiId, name));
    } catch (e) {
      throw new Error(`${api.source}: model "${name}" is not a valid JSON Schema draft 4: ${errorText(e)}`, { cause: e });
    }
  }
  const compiled = new Map<string, ModelCheck>();
  for (const name of schemas.keys()) {
    let validate;
    try {
      validate = ajv.getSchema(modelUrl(api.apiId, name));
    } catch (e) {
      throw new Error(`${api.source}: model "${name}" cannot be compiled: ${errorText(e)}`, { cause: e });
    }
    if (validate === undefined) throw new Error(`${api.source}: model "${name}" cannot be compiled`);
    const fn = validate;
    compiled.set(name, (value) => (fn(value) ? [] : schemaErrorMessages(fn.errors ?? [])));
  }
  return compiled;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One required parameter, pre-parsed from `method.request.{location}.{name}`. */
interface RequiredParameter {
  readonly location: 'header' | 'querystring' | 'path';
  readonly name: string;
}

const LOCATIONS: Readonly<Record<string, RequiredParameter['location']>> = {
  header: 'header',
  multivalueheader: 'header',
  querystring: 'querystring',
  multivaluequerystring: 'querystring',
  path: 'path',
};

/** The required parameters in AWS's order: sorted by full key (header, path, querystring; spec §10.2 [aws-snap]). */
function requiredParameters(method: Method): RequiredParameter[] {
  const out: RequiredParameter[] = [];
  const keys = Object.entries(method.requestParameters).filter(([, required]) => required).map(([key]) => key).sort();
  for (const key of keys) {
    const match = /^method\.request\.([a-z]+)\.(.+)$/.exec(key);
    const location = match?.[1] === undefined ? undefined : LOCATIONS[match[1]];
    if (match?.[2] === undefined || location === undefined) continue; // the loader rejects these
    out.push({ location, name: match[2] });
  }
  return out;
}

/**
 * "Included and not blank" (AWS docs above). Headers are looked up case-insensitively:
 * HTTP field names are (RFC 9110 §5.1) and HTTP/2 clients send them lower-cased, which AWS
 * accepts (LocalStack compares case-sensitively, which we consider its bug). A query string
 * parameter counts by its last value, the one `method.request.querystring.X` maps (spec §4.3).
 */
function isPresent(p: RequiredParameter, input: ValidationInput): boolean {
  let value: string | undefined;
  if (p.location === 'header') value = input.headers[p.name.toLowerCase()];
  else if (p.location === 'path') value = input.pathParameters[p.name];
  else value = input.query.findLast(([name]) => name === p.name)?.[1];
  return value !== undefined && value.trim() !== '';
}

/** A method's validator, or undefined when its validator validates nothing (then no validate phase runs). Throws Error for a validator id or model name the API does not define. */
export function compileMethodValidator(api: RestApi, method: Method, models: CompiledModels): MethodValidator | undefined {
  const id = method.requestValidatorId?.trim() ?? '';
  if (id === '') return undefined;
  const validator = api.requestValidators[id];
  if (validator === undefined) throw new Error(`${method.source}: requestValidatorId "${id}" names no request validator of the API`);

  const required = validator.validateRequestParameters ? requiredParameters(method) : [];
  const byType = new Map<string, ModelCheck>();
  if (validator.validateRequestBody) {
    for (const [type, name] of Object.entries(method.requestModels)) {
      const check = models.get(name);
      if (check === undefined) throw new Error(`${method.source}: request model "${name}" (for ${type}) is not defined in the API`);
      byType.set(type === '$default' ? type : essence(type), check);
    }
  }
  if (required.length === 0 && byType.size === 0) return undefined;

  return async (input) => {
    // Parameters are validated before the body (spec §10.2).
    const missing = required.filter((p) => !isPresent(p, input));
    if (missing.length > 0) {
      throw new GatewayError('BAD_REQUEST_PARAMETERS', { bodyMessage: `Missing required request parameters: [${missing.map((p) => p.name).join(', ')}]` });
    }
    if (byType.size === 0) return;
    // A missing Content-Type counts as application/json (an empty GET against a JSON model fails
    // on AWS: LocalStack test_api_gateway_request_validator). No model for the type → `$default`,
    // else no body validation: "If no matching content type is found, request validation is not
    // performed" (docs above). LocalStack applies the application/json model instead; AWS's docs win.
    const check = byType.get(essence(input.contentType) || 'application/json') ?? byType.get('$default');
    if (check === undefined) return;
    const raw = await input.body();
    let value: unknown;
    try {
      // An empty body is validated as `{}` (spec §10.2).
      value = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch (e) {
      // The exact validationErrorString AWS gives for unparseable JSON is unverified.
      throw new GatewayError('BAD_REQUEST_BODY', { message: 'Invalid request body', validationErrorString: `[${errorText(e)}]`, cause: e });
    }
    const errors = check(value);
    if (errors.length > 0) {
      throw new GatewayError('BAD_REQUEST_BODY', { message: 'Invalid request body', validationErrorString: `[${errors.join(', ')}]` });
    }
  };
}
