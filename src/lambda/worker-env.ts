/**
 * How a function's worker is started: the entry file (compiled JS, or TypeScript through tsx
 * in tests) and the environment Lambda gives a function.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FunctionConfig } from '../model/function.ts';

/**
 * How to start a worker. From compiled JS: dist/lambda/worker.js as is. From TypeScript (tests,
 * `node --import tsx`): worker.ts, through a bootstrap that registers tsx in the worker, because
 * tsx only registers itself in the main thread on Node 20 (an inherited `--import tsx` does
 * nothing in a worker there); the inherited tsx flags are dropped so it is not registered twice.
 */
export const ENTRY: { readonly url: URL; readonly execArgv: string[] | undefined } = (() => {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSource) return { url, execArgv: undefined };
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return { url, execArgv: undefined }; // No tsx: a runtime that strips types itself.
  }
  const code = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(url.href)});`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), execArgv: withoutTsx(process.execArgv) };
})();

function withoutTsx(argv: readonly string[]): string[] {
  const isTsx = (spec: string): boolean => spec === 'tsx' || spec.startsWith('tsx/') || /[\\/]tsx[\\/]/.test(spec);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (/^--(import|require|loader|experimental-loader)$/.test(arg) && next !== undefined && isTsx(next)) i++;
    else if (!(/^--(import|require|loader|experimental-loader)=/.test(arg) && isTsx(arg.slice(arg.indexOf('=') + 1)))) out.push(arg);
  }
  return out;
}

/** The environment Lambda gives a function, on top of the function's own variables. */
export function functionEnv(config: FunctionConfig): Record<string, string> {
  const env: Record<string, string> = { LANG: 'en_US.UTF-8', TZ: ':UTC' };
  for (const key of ['PATH', 'HOME']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, credentials());
  Object.assign(env, config.environment);
  // Reserved variables last: Lambda doesn't let a function override them.
  return Object.assign(env, {
    _HANDLER: config.handler,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_FUNCTION_NAME: config.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.name}`,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    LAMBDA_TASK_ROOT: taskRoot(config),
  });
}

/** The directory the handler path is relative to: `/app` for `handlers/hello.handler` at `/app/handlers/hello.js`. */
function taskRoot(config: FunctionConfig): string {
  const file = config.handler.slice(0, config.handler.length - config.exportName.length - 1);
  const base = config.modulePath.replace(/\.[cm]?js$/, '');
  const cut = base.length - file.length - 1;
  if (file !== '' && cut >= 0 && base.endsWith(file) && (base[cut] === '/' || base[cut] === '\\')) return base.slice(0, cut) || '/';
  return dirname(config.modulePath);
}

/** `2024/01/31/[$LATEST]` + 32 hex digits, as Lambda names a log stream per environment. */
export function logStreamName(): string {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
}


/**
 * Lambda gives every function its role's credentials in the environment. Locally: the host's
 * own `AWS_*` credentials when it has them; none when a shared credentials file can supply
 * them (the SDK finds it through HOME); else placeholder keys, so SDK clients can sign calls to
 * portico itself (the @connections API) instead of failing to find credentials.
 * The function's own `environment` overrides all of these.
 */
function credentials(): Record<string, string> {
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = process.env;
  if (id && secret) return { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, ...(token ? { AWS_SESSION_TOKEN: token } : {}) };
  if (process.env['AWS_PROFILE'] || existsSync(join(homedir(), '.aws', 'credentials'))) return {};
  return { AWS_ACCESS_KEY_ID: 'AKIAPORTICOLOCAL0000', AWS_SECRET_ACCESS_KEY: 'portico-local-secret-key' };
}
