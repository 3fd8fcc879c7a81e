/**
 * ajv errors → the wording AWS puts in `$context.error.validationErrorString`.
 * AWS validates models with java-json-tools' json-schema-validator (draft 4), whose messages
 * read `object has missing required properties (["name"])`; the list is a Java List's
 * `toString()`: `[msg1, msg2]`. Only the `required` wording is confirmed (spec §10.2 / the
 * brief); the others follow that library's message bundle as best recalled, and any keyword
 * not listed keeps ajv's own message.
 */
import type { ErrorObject } from 'ajv-draft-04';

/** fge's primitive type names: integral numbers are `integer`. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const json = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** Reads a numeric/string param from an ajv error, tolerating ajv's loose `params` typing. */
function param(error: ErrorObject, name: string): unknown {
  return (error.params as Record<string, unknown>)[name];
}

/** One fge-style message for one ajv error (grouped keywords are handled by the caller). */
function message(error: ErrorObject): string {
  const data = error.data;
  const limit = param(error, 'limit');
  switch (error.keyword) {
    case 'type': {
      const allowed = String(param(error, 'type')).split(',');
      return `instance type (${typeOf(data)}) does not match any allowed primitive type (allowed: ${json(allowed)})`;
    }
    case 'enum':
      return `instance value (${json(data)}) not found in enum (possible values: ${json(param(error, 'allowedValues'))})`;
    case 'minimum':
      return param(error, 'comparison') === '>'
        ? `numeric instance is not strictly greater than the required minimum ${String(limit)}`
        : `numeric instance is lower than the required minimum (minimum: ${String(limit)}, found: ${json(data)})`;
    case 'maximum':
      return param(error, 'comparison') === '<'
        ? `numeric instance is not strictly lower than the required maximum ${String(limit)}`
        : `numeric instance is greater than the required maximum (maximum: ${String(limit)}, found: ${json(data)})`;
    case 'multipleOf':
      return `remainder of division is not zero (${json(data)} / ${String(param(error, 'multipleOf'))})`;
    case 'minLength':
      return `string ${json(data)} is too short (length: ${String(data).length}, required minimum: ${String(limit)})`;
    case 'maxLength':
      return `string ${json(data)} is too long (length: ${String(data).length}, maximum allowed: ${String(limit)})`;
    case 'pattern':
      return `ECMA 262 regex ${json(param(error, 'pattern'))} does not match input string ${json(data)}`;
    case 'minItems':
      return `array is too short: must have at least ${String(limit)} elements but instance has ${Array.isArray(data) ? data.length : 0} elements`;
    case 'maxItems':
      return `array is too long: must have at most ${String(limit)} elements but instance has ${Array.isArray(data) ? data.length : 0} elements`;
    case 'uniqueItems':
      return 'array must not contain duplicate elements';
    case 'minProperties':
      return `object has too few properties (found ${countKeys(data)} but schema requires at least ${String(limit)})`;
    case 'maxProperties':
      return `object has too many properties (found ${countKeys(data)} but schema requires at most ${String(limit)})`;
    case 'anyOf':
      return `instance failed to match at least one required schema among ${schemaLength(error)}`;
    case 'oneOf':
      return `instance failed to match exactly one schema (matched ${matched(error)} out of ${schemaLength(error)})`;
    case 'not':
      return 'instance matched a schema which it should not have';
    default:
      return error.message ?? error.keyword;
  }
}

function countKeys(data: unknown): number {
  return typeof data === 'object' && data !== null ? Object.keys(data).length : 0;
}

function matched(error: ErrorObject): number {
  const passing = param(error, 'passingSchemas');
  return Array.isArray(passing) ? passing.length : 0;
}

function schemaLength(error: ErrorObject): number {
  return Array.isArray(error.schema) ? error.schema.length : 0;
}

/**
 * Turns ajv's errors (compiled with `allErrors` and `verbose`) into AWS's message list.
 * `required` and `additionalProperties` give one message per object listing every name, as fge
 * does; errors inside a failed `anyOf`/`oneOf`/`not` are folded into that one message.
 */
export function schemaErrorMessages(errors: readonly ErrorObject[]): string[] {
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'not').map((e) => e.schemaPath + '/');
  const grouped = new Map<string, { keyword: string; names: string[] }>();
  const out: Array<string | { keyword: string; names: string[] }> = [];
  for (const error of errors) {
    if (composites.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
      const key = `${error.instancePath}\u0000${error.schemaPath}`;
      const name = String(param(error, error.keyword === 'required' ? 'missingProperty' : 'additionalProperty'));
      const group = grouped.get(key);
      if (group) group.names.push(name);
      else {
        const fresh = { keyword: error.keyword, names: [name] };
        grouped.set(key, fresh);
        out.push(fresh);
      }
      continue;
    }
    out.push(message(error));
  }
  return out.map((m) => {
    if (typeof m === 'string') return m;
    // fge keeps the names in a sorted set.
    const names = json([...new Set(m.names)].sort());
    return m.keyword === 'required'
      ? `object has missing required properties (${names})`
      : `object instance has properties which are not allowed by the schema: ${names}`;
  });
}
