/**
 * The request pipeline's phases, in AWS's order. This file is the only place the order lives.
 *
 *   listen → route → authorize → throttle → validate → cache → integrate → map-response → log
 *
 * `listen` is the edge adapter (server/) and `log` runs in `finally` (pipeline/run.ts), so
 * the list below holds the phases between them. A Lambda authorizer may supply the
 * usage-plan key, hence throttle after authorize.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop.html
 */
import type { BaseContext, GatewayContext, Phase } from './types.ts';

export const PHASE_ORDER = ['route', 'authorize', 'throttle', 'validate', 'cache', 'integrate', 'map-response'] as const;
export type PhaseName = (typeof PHASE_ORDER)[number];

/**
 * Compiles a route's chain once, at load: the phases a route uses, in order. A phase the
 * route doesn't need is `undefined` and costs nothing per request.
 */
export function compileChain<C extends BaseContext = GatewayContext>(phases: Partial<Record<PhaseName, Phase<C> | undefined>>): readonly Phase<C>[] {
  const chain: Phase<C>[] = [];
  for (const name of PHASE_ORDER) {
    const phase = phases[name];
    if (phase) chain.push(phase);
  }
  return chain;
}

export type { BaseContext, Phase, GatewayContext, GatewayRequest, GatewayResponse, HeaderPair, RestContext, RestMatch, RouteMatch } from './types.ts';
