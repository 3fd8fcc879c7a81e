/**
 * A stage's `accessLogSettings` in portico.yaml (a `stages:` entry or the one-stage short
 * form): its schema, and the loader that expands presets, compiles the format (an unknown
 * `$context` variable is a load error, file:line + JSON path) and resolves the destination.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_AccessLogSettings.html
 */
import { isAbsolute, resolve } from 'node:path';
import type { AccessLogSettings } from '../model/index.ts';
import { AccessLogFormatError, compileAccessLogFormat, expandPreset } from '../pipeline/8-log/access-format.ts';
import type { Flavour } from '../pipeline/8-log/access-variables.ts';
import type { JsonPath } from './json-path.ts';
import type { ConfigError } from '../errors/index.ts';
import type { SourceFile } from './source-file.ts';

/** `accessLogSettings` as ajv has checked it. */
export interface RawAccessLogSettings {
  format: string;
  destination?: string;
}

/** The JSON Schema of `accessLogSettings` (project-schema.ts). */
export const accessLogSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  description: "Custom access logging, as the stage's accessLogSettings on AWS (docs/observability.md). Absent: portico's JSON access line.",
  properties: {
    format: {
      type: 'string',
      minLength: 1,
      // AWS: access log template at most 3 KB (spec §12 limits).
      maxLength: 3072,
      description:
        'One line with `$context.*` variables (AWS syntax; must include `$context.requestId` or `$context.extendedRequestId`), or a preset of the AWS console: `CLF`, `JSON`, `XML`, `CSV`. Values that are absent print `-`.',
    },
    destination: { type: 'string', minLength: 1, default: 'stdout', description: '`stdout`, or a file path relative to portico.yaml (appended; reopened on reload).' },
  },
} as const;

/** The stage's settings, or undefined after pushing the format's error to `errors`. */
export function loadAccessLogSettings(raw: RawAccessLogSettings, flavour: Flavour, o: { src: SourceFile; dir: string; errors: ConfigError[]; path: JsonPath }): AccessLogSettings | undefined {
  try {
    compileAccessLogFormat(raw.format, flavour);
  } catch (err) {
    if (!(err instanceof AccessLogFormatError)) throw err;
    o.errors.push(o.src.error([...o.path, 'format'], err.message));
    return undefined;
  }
  const destination = raw.destination === undefined || raw.destination === 'stdout' ? 'stdout' : isAbsolute(raw.destination) ? raw.destination : resolve(o.dir, raw.destination);
  return { format: expandPreset(raw.format, flavour), destination };
}
