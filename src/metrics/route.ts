/** `GET /metrics` on the admin port: the gateway's registry in Prometheus text format. */
import type { AdminRoute } from '../admin/types.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';

/** The scrape endpoint of `metrics`. */
export function metricsRoute(metrics: GatewayMetrics): AdminRoute {
  return {
    method: 'GET',
    path: /^\/metrics$/,
    async handle() {
      return { status: 200, body: await metrics.text(), headers: { 'content-type': metrics.contentType } };
    },
  };
}
