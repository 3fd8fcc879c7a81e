import type { FunctionConfig } from './function.ts';
import type { HttpApi } from './http-api.ts';

/** Any API the gateway serves. REST and WebSocket join this union in their issues. */
export type AnyApi = HttpApi;

/** Everything loaded from one portico.yaml. */
export interface Project {
  /** Absolute path of portico.yaml. */
  readonly file: string;
  /** Its directory; relative paths resolve against it. */
  readonly dir: string;
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  readonly apis: readonly AnyApi[];
  /** Listen address and shared port from the file (CLI flags override them). */
  readonly host?: string;
  readonly port?: number;
  /** Non-fatal findings (unknown x-amazon-apigateway-* keys...), with file and JSON path. */
  readonly warnings: readonly string[];
}
