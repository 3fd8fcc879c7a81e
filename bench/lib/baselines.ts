/**
 * Dependencies and servers of the third-party baselines: wrk and nginx (Debian packages, installed
 * with apt-get when missing and we are root) and serverless-offline (npm, in its own package
 * bench/sls). Each `ensure*` returns undefined when ready, else why the scenario is skipped.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launch, ROOT, runBounded, start, tempDir, waitPort, type Server } from './proc.ts';

const has = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg]).error === undefined;

async function aptInstall(pkg: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  process.stdout.write(`${pkg} missing: installing it with apt-get\n`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if ((await runBounded('apt-get', ['install', '-y', '-qq', pkg], 180_000, env)).ok) return;
  await runBounded('apt-get', ['update', '-qq'], 120_000, env);
  await runBounded('apt-get', ['install', '-y', '-qq', pkg], 180_000, env);
}

export async function ensureWrk(): Promise<boolean> {
  if (!has('wrk', '--version')) await aptInstall('wrk');
  return has('wrk', '--version');
}

export async function ensureNginx(): Promise<string | undefined> {
  if (!has('nginx', '-v')) await aptInstall('nginx');
  return has('nginx', '-v') ? undefined : 'nginx is not installed and could not be installed (apt-get install nginx, as root)';
}

/**
 * nginx in the foreground, 1 worker, its own prefix in a temp dir, keep-alive to the backend
 * (several ports: round-robin over them, as in front of several portico nodes).
 */
export async function startNginx(backendPorts: number | readonly number[]): Promise<Server> {
  const upstreams = (typeof backendPorts === 'number' ? [backendPorts] : backendPorts).map((p) => `    server 127.0.0.1:${p};`).join('\n');
  const dir = tempDir('portico-bench-nginx-');
  chmodSync(dir, 0o755); // workers run as nobody when we are root
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend {
${upstreams}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const child = launch('nginx', ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`, '-g', 'daemon off;'], { group: true });
  child.stdout?.resume();
  child.stderr?.resume();
  await waitPort(port, child);
  return { child, port };
}

const SLS = join(ROOT, 'bench/sls');

/** Installs bench/sls's packages (npm ci, 5 min at most) unless present; not in quick mode. */
export async function ensureServerlessOffline(quick: boolean): Promise<string | undefined> {
  if (existsSync(join(SLS, 'node_modules/serverless-offline/package.json'))) return undefined;
  if (quick) return 'bench/sls is not installed and --quick skips its install (npm ci, ~1 min): run the full bench once';
  process.stdout.write('serverless-offline missing: npm ci --prefix bench/sls (5 min at most)\n');
  const cmd = existsSync(join(SLS, 'package-lock.json')) ? 'ci' : 'install';
  const r = await runBounded('npm', [cmd, '--prefix', 'bench/sls', '--no-audit', '--no-fund'], 300_000);
  return r.ok ? undefined : `npm ${cmd} --prefix bench/sls failed (${r.why})`;
}

/** serverless-offline in its default worker-thread mode, its own process group. */
export async function startServerlessOffline(): Promise<{ server: Server; wsPort: number }> {
  const [httpPort, wsPort, lambdaPort] = [await freePort(), await freePort(), await freePort()];
  // `npx serverless` without npx's own process, whose RSS would be counted in the tree.
  const bin = join(SLS, 'node_modules/serverless/bin/serverless.js');
  const args = [bin, 'offline', 'start', '--host', '127.0.0.1', '--httpPort', String(httpPort), '--websocketPort', String(wsPort), '--lambdaPort', String(lambdaPort), '--noTimeout'];
  const env = { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_INTERACTIVE_SETUP_DISABLE: '1', SLS_DEPRECATION_DISABLE: '*' };
  const server = await start(process.execPath, args, /Server ready:/, { cwd: SLS, env, group: true, port: httpPort, timeoutMs: 90_000 });
  return { server, wsPort };
}
