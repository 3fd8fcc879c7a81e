/**
 * REST stages: the `stages:` list or the one-stage short form, as for other flavours, but
 * REST has no `$default` stage (the first path segment is always the stage, spec §1.1) and the
 * default stage is `dev`. Throttling becomes `methodSettings`: the stage-wide limits under
 * `*\/*`, a method's under `{resourcePath}/{httpMethod}`.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
 */
import type { MethodSetting, RestStage, RouteSettings } from '../../model/index.ts';
import type { RawApi } from '../raw-types.ts';
import { loadStages, type ApiLoadInput } from '../stages.ts';
import { loadStageCache } from './stage-cache.ts';

/** The API's stages; `routeKeys` are the methods loaded (`GET /pets/{id}`), which throttling keys must name. */
export function loadRestStages(raw: RawApi, input: ApiLoadInput, routeKeys: ReadonlySet<string>): RestStage[] {
  const { src, path, errors } = input;
  // Route keys are checked by loadStages (an unknown key would leave a method unthrottled).
  const stages = loadStages(raw, input, routeKeys, 'dev');
  return stages.flatMap((s, i) => {
    if (s.stageName === '$default') {
      errors.push(src.error(raw.stages ? [...path, 'stages', i, 'name'] : [...path, 'stage'], 'REST APIs have no $default stage; the first path segment is always the stage name (e.g. dev)'));
      return [];
    }
    const methodSettings: Record<string, MethodSetting> = {};
    if (hasLimits(s.defaultRouteSettings)) methodSettings['*/*'] = s.defaultRouteSettings;
    for (const [routeKey, settings] of Object.entries(s.routeSettings)) {
      const space = routeKey.indexOf(' ');
      methodSettings[`${routeKey.slice(space + 1)}/${routeKey.slice(0, space)}`] = settings;
    }
    // The stage cache (config/rest/stage-cache.ts): its caching fields merge into methodSettings.
    const cache = loadStageCache(raw.stages?.[i] ?? raw, raw.stages ? [...path, 'stages', i] : path, input, routeKeys);
    for (const [key, setting] of Object.entries(cache.methodSettings)) methodSettings[key] = { ...methodSettings[key], ...setting };
    return [{ stageName: s.stageName, variables: s.stageVariables, methodSettings, ...(cache.cacheClusterEnabled !== undefined ? { cacheClusterEnabled: cache.cacheClusterEnabled } : {}), ...(cache.cacheClusterSize ? { cacheClusterSize: cache.cacheClusterSize } : {}), ...(s.accessLogSettings ? { accessLogSettings: s.accessLogSettings } : {}) }];
  });
}

const hasLimits = (s: RouteSettings): boolean => s.throttlingRateLimit !== undefined || s.throttlingBurstLimit !== undefined;
