/**
 * HTTP API identity sources (`identitySource` of JWT and Lambda authorizers), compiled at load:
 * `$request.header.X` (case-insensitive), `$request.querystring.X` (case-sensitive), `$context.X`
 * and `$stageVariables.X`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.identity-sources
 */
import { contextVariables } from '../../mapping/context-variables.ts';
import { parseQuery } from '../../util/http.ts';
import type { GatewayContext } from '../types.ts';

/** Reads one identity source of a request; `undefined` when absent or empty. */
export type IdentityReader = (ctx: GatewayContext) => string | undefined;

const NAME = /^[A-Za-z0-9._~!#$%&'*+^`|-]+$/;

/** Compiles one identity source; throws an Error saying what is wrong with it. */
export function compileIdentitySource(source: string, accountId: string): IdentityReader {
  const m = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/.exec(source.trim());
  if (!m || !NAME.test(m[2] as string)) {
    throw new Error(`invalid identity source ${JSON.stringify(source)} (expected $request.header.X, $request.querystring.X, $context.X or $stageVariables.X)`);
  }
  const name = m[2] as string;
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  switch (m[1]) {
    case 'request.header': {
      const lower = name.toLowerCase();
      return (ctx) => nonEmpty(ctx.request.headers[lower]);
    }
    case 'request.querystring':
      // Repeated parameters are joined with commas, as in the 2.0 event.
      return (ctx) =>
        nonEmpty(
          parseQuery(ctx.request.rawQuery)
            .filter(([k]) => k === name)
            .map(([, v]) => v)
            .join(','),
        );
    case 'context':
      return (ctx) => nonEmpty(contextVariables(ctx, accountId)(name));
    default:
      return (ctx) => nonEmpty(ctx.stage.stageVariables[name]);
  }
}

/** Reads every source; `undefined` when any is missing (AWS answers 401 without calling the authorizer). */
export function readIdentity(readers: readonly IdentityReader[], ctx: GatewayContext): string[] | undefined {
  const values: string[] = [];
  for (const read of readers) {
    const v = read(ctx);
    if (v === undefined) return undefined;
    values.push(v);
  }
  return values;
}
