/**
 * A stage's `accessLogSettings.format`: a single line with `$context.*` variables, or one of the
 * preset names `CLF`, `JSON`, `XML`, `CSV`, which stand for the examples AWS's console offers.
 * Compiled once at load into literal and variable parts; a request's line is then one pass
 * over them. A variable without a value prints `-`, as AWS's access logs do.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
 */
import { isKnownVariable, type Flavour } from './access-variables.ts';

/** The console's preset names. */
export type PresetName = 'CLF' | 'JSON' | 'XML' | 'CSV';

/**
 * The console's examples. REST: set-up-access-logging.html (with `extendedRequestId`, as the
 * current console has it). HTTP: http-api-logging.html. WebSocket: the REST examples with the
 * WebSocket variables (eventType, routeKey, connectionId) in place of the HTTP request line, as
 * the WebSocket console shows them (not found verbatim in the docs: most plausible reading).
 */
export const PRESETS: Readonly<Record<Flavour, Readonly<Record<PresetName, string>>>> = {
  REST: {
    CLF: '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId',
    JSON: '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }',
    XML: '<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>',
    CSV: '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId',
  },
  HTTP: {
    CLF: '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId',
    JSON: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }',
    XML: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>',
    CSV: '$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId',
  },
  WEBSOCKET: {
    CLF: '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId',
    JSON: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "eventType":"$context.eventType", "routeKey":"$context.routeKey", "status":"$context.status", "connectionId":"$context.connectionId" }',
    XML: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <eventType>$context.eventType</eventType> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <connectionId>$context.connectionId</connectionId> </request>',
    CSV: '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.eventType,$context.routeKey,$context.connectionId,$context.status,$context.requestId',
  },
};

/** A format split at its variables: `literals[i]`, then `variables[i]`, ..., then the last literal. */
export interface CompiledFormat {
  readonly literals: readonly string[];
  /** Names after `$context.` (`identity.sourceIp`). */
  readonly variables: readonly string[];
}

/** Why a format was refused (the loader adds file:line and the JSON path). */
export class AccessLogFormatError extends Error {
  override readonly name = 'AccessLogFormatError';
}

/**
 * `$context.` and a dotted name. A dot not followed by a name character ends it, so
 * `$context.status.` logs the status and a full stop.
 */
const VARIABLE = /\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)/g;

/** A preset's text, or the format itself. */
export function expandPreset(format: string, flavour: Flavour): string {
  return Object.hasOwn(PRESETS[flavour], format) ? PRESETS[flavour][format as PresetName] : format;
}

/** Compiles a format (preset names expanded); throws AccessLogFormatError on what AWS refuses. */
export function compileAccessLogFormat(format: string, flavour: Flavour): CompiledFormat {
  const text = expandPreset(format, flavour);
  // "The log format cannot have any line breaks" (set-up-logging.html).
  if (/[\r\n]/.test(text)) throw new AccessLogFormatError('the format must be a single line');
  const literals: string[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    const name = m[1] as string;
    if (!isKnownVariable(flavour, name)) throw new AccessLogFormatError(`$context.${name} is not a ${flavour} access-log variable`);
    literals.push(text.slice(last, m.index));
    variables.push(name);
    last = m.index + m[0].length;
  }
  literals.push(text.slice(last));
  // "The access log format must include at least $context.requestId or $context.extendedRequestId."
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html
  if (!variables.includes('requestId') && !variables.includes('extendedRequestId')) {
    throw new AccessLogFormatError('the format must include $context.requestId or $context.extendedRequestId');
  }
  return { literals, variables };
}

/** A variable's value for one request; `undefined` or `null` prints `-`. */
export type VariableLookup = (name: string) => string | number | boolean | null | undefined;

/** One access-log line (without the newline). */
export function renderLine(format: CompiledFormat, lookup: VariableLookup): string {
  let out = format.literals[0] as string;
  for (let i = 0; i < format.variables.length; i++) {
    const value = lookup(format.variables[i] as string);
    // An empty value prints `-` too: AWS logs `-` for an absent header-derived value.
    out += (value === undefined || value === null || value === '' ? '-' : String(value)) + (format.literals[i + 1] as string);
  }
  return out;
}
