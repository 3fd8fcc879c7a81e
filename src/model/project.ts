import type { ApiKey, Credential, UsagePlan } from './access.ts';
import type { FunctionConfig } from './function.ts';
import type { HttpApi } from './http-api.ts';
import type { RestApi } from './rest-api.ts';
import type { WebSocketApi } from './websocket-api.ts';

/** Any API the gateway serves. */
export type AnyApi = HttpApi | RestApi | WebSocketApi;

/** Everything loaded from one portico.yaml. */
export interface Project {
  /** Absolute path of portico.yaml. */
  readonly file: string;
  /** Its directory; relative paths resolve against it. */
  readonly dir: string;
  /** Shown in ARNs, events and AWS_REGION (default us-east-1). */
  readonly region: string;
  /** Shown in ARNs and events (default 123456789012). */
  readonly accountId: string;
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  readonly apis: readonly AnyApi[];
  /** API keys (REST APIs' `apiKeyRequired` methods). */
  readonly apiKeys: readonly ApiKey[];
  /** Usage plans: which keys may call which REST API stages, with their throttle and quota. */
  readonly usagePlans: readonly UsagePlan[];
  /** IAM access keys for SigV4-signed (`AWS_IAM`) requests. */
  readonly credentials: readonly Credential[];
  /** Listen address and shared port from the file (CLI flags override them). */
  readonly host?: string;
  readonly port?: number;
  /** Where shared state lives (`state:` in the file; `--redis` overrides). Absent: in memory. */
  readonly state?: StateSettings;
  /** Cognito user pool id → issuer URL (`cognito.issuers`), for REST Cognito authorizers. */
  readonly cognitoIssuers?: Readonly<Record<string, string>>;
  /** The admin port (`admin:`; `--admin-port` / `--admin-host` override). Absent: none. */
  readonly admin?: { readonly port: number; readonly host?: string };
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client (`trustedProxies`; `--trusted-proxy` replaces it). Absent: none. */
  readonly trustedProxies?: readonly string[];
  /** Non-fatal findings (unknown x-amazon-apigateway-* keys...), with file and JSON path. */
  readonly warnings: readonly string[];
}

/** Shared state for running several gateway nodes (docs/scale-out.md). */
export interface StateSettings {
  /** Redis URL holding rate limits, quotas and the connection registry. */
  readonly redis?: string;
  /** A failing store lets requests through (`open`, the default) or answers 500 (`closed`). */
  readonly failMode?: 'open' | 'closed';
}
