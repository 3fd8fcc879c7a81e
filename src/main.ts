/** Entry: parse the command line → load the project → start servers. */
import { Command, InvalidArgumentError } from 'commander';
import { serveCommand } from './cli/serve.ts';
import { validateCommand } from './cli/validate.ts';
import { usageCommand } from './cli/usage.ts';
import { checkRedisUrl } from './state/redis/url.ts';
import { parseCidr } from './util/client-address.ts';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
};

const redisUrl = (v: string): string => {
  try {
    checkRedisUrl(v);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  return v;
};

/** `--trusted-proxy`, repeatable: each value is checked and added to the list. */
const trustedProxy = (v: string, previous: string[] | undefined): string[] => {
  const cidr = parseCidr(v.trim());
  if (typeof cidr === 'string') throw new InvalidArgumentError(cidr);
  return [...(previous ?? []), v.trim()];
};

const program = new Command()
  .name('portico')
  .description('A self-hosted, wire-compatible Amazon API Gateway: REST, HTTP and WebSocket APIs')
  .version('0.1.0');

program
  .command('serve')
  .description('serve every API of a project file')
  .argument('[project]', 'a directory with portico.yaml, or the file itself', '.')
  .option('-p, --port <n>', 'shared port (default: the file\'s port, else 4000)', port)
  .option('-H, --host <address>', 'listen address (default 127.0.0.1)')
  .option('-w, --watch', 'reload definitions and handlers on change')
  .option('--redis <url>', "shared state in Redis for several nodes: redis://host:6379, or a cluster: redis+cluster://host1:6379,host2:6379 (default: the file's state.redis, else in memory)", redisUrl)
  .option('--admin-port <n>', "admin port: /health, /ready, /metrics (default: the file's admin.port, else none)", port)
  .option('--admin-host <address>', "admin listen address (default: the file's admin.host, else 127.0.0.1)")
  .option('--trusted-proxy <cidr>', "a proxy address or CIDR range whose X-Forwarded-For names the client; repeatable; replaces the file's trustedProxies (default: none)", trustedProxy)
  .action((project: string, opts: { port?: number; host?: string; watch?: boolean; redis?: string; adminPort?: number; adminHost?: string; trustedProxy?: string[] }) => {
    const { trustedProxy, ...rest } = opts;
    return serveCommand(project, { ...rest, ...(trustedProxy !== undefined ? { trustedProxies: trustedProxy } : {}) });
  });

program
  .command('validate')
  .description('load a project, print every problem, exit non-zero on any')
  .argument('[project]', 'a directory with portico.yaml, or the file itself', '.')
  .action((project: string) => {
    process.exitCode = validateCommand(project);
  });

program
  .command('usage')
  .description("a usage plan's API keys: requests and remaining quota per UTC day, from a running gateway's admin port")
  .requiredOption('--admin <url>', 'the admin endpoint (portico serve --admin-port), e.g. http://127.0.0.1:9000')
  .requiredOption('--plan <name>', 'the usage plan, by name or id')
  .option('--key <name>', 'one API key, by name or id (default: every key of the plan)')
  .option('--days <n>', 'days up to today, UTC (1 to 90)', (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 90) throw new InvalidArgumentError('--days is an integer from 1 to 90');
    return n;
  }, 7)
  .action(async (opts: { admin: string; plan: string; key?: string; days: number }) => {
    process.exitCode = await usageCommand(opts);
  });

await program.parseAsync();
