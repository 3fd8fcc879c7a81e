/**
 * The admin port's control-plane routes (usage, cache flushes) under SigV4 when the project has
 * `credentials`: as on AWS, where these are IAM-signed calls to the `apigateway` service, so
 * `aws apigateway get-usage --endpoint-url …` works with a configured key, and nobody who can
 * merely reach the port can flush caches or read usage. Without credentials they stay open (a
 * local, loopback-only tool; docs/observability.md). `/health`, `/ready` and `/metrics` are
 * never signed (probes and scrapers don't sign).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/security-iam.html
 */
import type { IncomingMessage } from 'node:http';
import { SigV4Error, verifySigV4, type SigV4Credential } from '../pipeline/2-authorize/sigv4.ts';
import { toGatewayRequest } from '../server/node-adapter.ts';
import type { AdminReply, AdminRoute } from './types.ts';

/** What the signature check needs, read per call (a reload can change the credentials). */
export interface SignedAdminDeps {
  readonly project: () => { readonly credentials: readonly SigV4Credential[]; readonly region: string; readonly accountId: string };
}

/** `routes`, each refusing unsigned or badly signed calls while the project has credentials. */
export function signedAdminRoutes(routes: readonly AdminRoute[], deps: SignedAdminDeps): AdminRoute[] {
  // verifySigV4 caches its compiled keys per options object: one per credentials list.
  let options: { readonly credentials: readonly SigV4Credential[]; readonly region: string; readonly accountId: string; readonly service: string } | undefined;
  const check = async (req: IncomingMessage): Promise<AdminReply | undefined> => {
    const { credentials, region, accountId } = deps.project();
    if (credentials.length === 0) return undefined;
    if (options?.credentials !== credentials || options.region !== region) options = { credentials, region, accountId, service: 'apigateway' };
    try {
      await verifySigV4(toGatewayRequest(req), options);
      return undefined;
    } catch (err) {
      if (!(err instanceof SigV4Error)) throw err;
      // The control plane's error shape: {"message": …} with the exception in x-amzn-ErrorType.
      return { status: 403, body: { message: err.bodyMessage ?? err.message }, headers: { 'x-amzn-ErrorType': err.awsErrorType } };
    }
  };
  return routes.map((route) => ({
    method: route.method,
    path: route.path,
    handle: async (match, url, req) => (await check(req)) ?? route.handle(match, url, req),
  }));
}
