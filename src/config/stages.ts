/** Stages of an API, from the `stages:` list or the one-stage short form. */
import type { ConfigError } from '../errors/index.ts';
import type { RouteSettings, Stage } from '../model/index.ts';
import type { JsonPath } from './json-path.ts';
import type { RawApi, RawLimits, RawStage } from './raw-types.ts';
import type { SourceFile } from './source-file.ts';
import type { AccessLogSettings } from '../model/index.ts';
import { loadAccessLogSettings } from './access-log-settings.ts';

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

/** The one-stage short form's keys, at API level. */
const SHORT_FORM_KEYS = ['stage', 'stageVariables', 'throttling', 'accessLogSettings'] as const;
/** The REST stage cache keys (config/rest/stage-cache.ts), in a stage or the short form. */
export const STAGE_CACHE_KEYS = ['cacheClusterEnabled', 'cacheClusterSize', 'caching'] as const;

/**
 * The API's stages; `defaultStage` when neither form names one (`$default` for HTTP APIs).
 * Throttling route keys must be routes of the API (`routeKeys`; undefined = unknown, unchecked).
 */
export function loadStages(raw: RawApi, input: ApiLoadInput, routeKeys: ReadonlySet<string> | undefined, defaultStage = '$default'): Stage[] {
  const { src, path, errors } = input;
  if (raw.stages && ([...SHORT_FORM_KEYS, ...STAGE_CACHE_KEYS] as const).some((k) => raw[k] !== undefined)) {
    const extra = ([...SHORT_FORM_KEYS, ...STAGE_CACHE_KEYS] as const).filter((k) => raw[k] !== undefined).map((k) => `"${k}"`).join(', ');
    errors.push(src.error([...path, 'stages'], `use either "stages" or the one-stage form "stage"/"stageVariables"/"throttling", not both (also given: ${extra})`));
  }
  const entries: { stage: RawStage; path: JsonPath }[] = raw.stages
    ? raw.stages.map((stage, i) => ({ stage, path: [...path, 'stages', i] }))
    : [{ stage: { name: raw.stage ?? defaultStage, variables: raw.stageVariables, throttling: raw.throttling, cacheClusterEnabled: raw.cacheClusterEnabled, cacheClusterSize: raw.cacheClusterSize, caching: raw.caching, accessLogSettings: raw.accessLogSettings }, path }];
  const seen = new Set<string>();
  return entries.map(({ stage: s, path: spath }) => {
    if (seen.has(s.name)) errors.push(src.error([...spath, 'name'], `stage "${s.name}" is listed twice`));
    seen.add(s.name);
    // HTTP and WebSocket APIs have no stage cache in AWS (CreateStage v2 has no cache settings).
    if (raw.type !== 'REST') for (const k of STAGE_CACHE_KEYS) if (s[k] !== undefined) errors.push(src.error([...spath, k], `"${k}" is only for REST APIs: ${raw.type} APIs have no stage cache`));
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
      ...accessLogOf(s, raw, input, spath),
    };
  });
}


/** `accessLogSettings` of a stage, compiled (config/access-log-settings.ts); `{}` when absent or refused. */
function accessLogOf(s: RawStage, raw: RawApi, input: ApiLoadInput, spath: JsonPath): { accessLogSettings?: AccessLogSettings } {
  if (!s.accessLogSettings) return {};
  const settings = loadAccessLogSettings(s.accessLogSettings, raw.type, { src: input.src, dir: input.dir, errors: input.errors, path: [...spath, 'accessLogSettings'] });
  return settings ? { accessLogSettings: settings } : {};
}
