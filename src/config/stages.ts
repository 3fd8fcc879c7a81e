/** Stages of an API, from the `stages:` list or the one-stage short form. */
import type { ConfigError } from '../errors/index.ts';
import type { RouteSettings, Stage } from '../model/index.ts';
import type { JsonPath } from './json-path.ts';
import type { RawApi, RawLimits, RawStage } from './raw-types.ts';
import type { SourceFile } from './source-file.ts';

/** What every flavour's loader gets. */
export interface ApiLoadInput {
  readonly src: SourceFile;
  readonly path: JsonPath;
  readonly dir: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  readonly functionNames: ReadonlySet<string>;
  readonly errors: ConfigError[];
  readonly warnings: string[];
}

/**
 * The API's stages; `defaultStage` when neither form names one (`$default` for HTTP APIs).
 * Throttling route keys must be routes of the API (`routeKeys`; undefined = unknown, unchecked).
 */
export function loadStages(raw: RawApi, input: ApiLoadInput, routeKeys: ReadonlySet<string> | undefined, defaultStage = '$default'): Stage[] {
  const { src, path, errors } = input;
  if (raw.stages && (raw.stage !== undefined || raw.stageVariables !== undefined || raw.throttling !== undefined)) {
    const extra = (['stage', 'stageVariables', 'throttling'] as const).filter((k) => raw[k] !== undefined).map((k) => `"${k}"`).join(', ');
    errors.push(src.error([...path, 'stages'], `use either "stages" or the one-stage form "stage"/"stageVariables"/"throttling", not both (also given: ${extra})`));
  }
  const entries: { stage: RawStage; path: JsonPath }[] = raw.stages
    ? raw.stages.map((stage, i) => ({ stage, path: [...path, 'stages', i] }))
    : [{ stage: { name: raw.stage ?? defaultStage, variables: raw.stageVariables, throttling: raw.throttling }, path }];
  const seen = new Set<string>();
  return entries.map(({ stage: s, path: spath }) => {
    if (seen.has(s.name)) errors.push(src.error([...spath, 'name'], `stage "${s.name}" is listed twice`));
    seen.add(s.name);
    const vars = Object.fromEntries(Object.entries({ ...s.stageVariables, ...s.variables }).map(([k, v]) => [k, String(v)]));
    const t = s.throttling ?? {};
    for (const key of Object.keys(t.routes ?? {})) {
      // A misspelt route key would silently leave the route unthrottled (AWS refuses it too).
      if (routeKeys && !routeKeys.has(key)) {
        errors.push(src.error([...spath, 'throttling', 'routes', key], `"${key}" is not a route of this API (routes: ${[...routeKeys].join(', ') || 'none'})`));
      }
    }
    const limits = (x: RawLimits): RouteSettings => ({
      ...(x.rateLimit !== undefined ? { throttlingRateLimit: x.rateLimit } : {}),
      ...(x.burstLimit !== undefined ? { throttlingBurstLimit: x.burstLimit } : {}),
    });
    return {
      stageName: s.name,
      stageVariables: vars,
      defaultRouteSettings: limits(t),
      routeSettings: Object.fromEntries(Object.entries(t.routes ?? {}).map(([k, v]) => [k, limits(v)])),
    };
  });
}

