/**
 * `portico usage --admin URL --plan NAME [--key NAME] [--days N]`: a usage plan's keys, their
 * requests and remaining quota per UTC day, read from a running gateway's admin port through
 * the same calls the AWS CLI makes (GetUsagePlans, GetUsagePlanKeys, GetUsage; admin/usage.ts).
 * With AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) set, the calls are
 * SigV4-signed for the service `apigateway`, as the admin port requires when the project has
 * credentials (admin/signed.ts); the region is AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../pipeline/2-authorize/sigv4.ts';

/** Options of {@link usageCommand}. */
export interface UsageOptions {
  /** The admin endpoint, `http://127.0.0.1:9000`. */
  readonly admin: string;
  /** A usage plan's name or id. */
  readonly plan: string;
  /** One API key's name or id; default every key of the plan. */
  readonly key?: string;
  /** How many days, up to today (UTC). Default 7. */
  readonly days?: number;
}

interface PlanJson { id: string; name: string; quota?: { limit: number; period: string } }
interface KeyJson { id: string; name: string }
interface UsageJson { values?: Record<string, [number, number][]>; position?: string }

const DAY_MS = 86_400_000;

/** GETs a JSON document from the admin port; throws an Error with AWS's message on a non-2xx. */
async function getJson<T>(base: string, path: string): Promise<T> {
  const url = new URL(path, base);
  const res = await fetch(url, { headers: await signedHeaders(url) });
  const body = (await res.json().catch(() => ({}))) as { message?: unknown };
  if (!res.ok) throw new Error(`${res.status} ${typeof body.message === 'string' ? body.message : res.statusText} (GET ${path})`);
  return body as T;
}

/** SigV4 headers for a GET of `url` when the environment holds AWS credentials; none otherwise. */
async function signedHeaders(url: URL): Promise<Record<string, string>> {
  const env = process.env;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) return {};
  const sessionToken = env['AWS_SESSION_TOKEN'];
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || 'us-east-1';
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, region, service: 'apigateway', sha256: NodeSha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({ method: 'GET', protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query, headers: { host: url.host } });
  // fetch sends Host itself, with the same value.
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

/** Left-aligned columns separated by two spaces. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Prints the table; resolves the exit code (0, or 1 with a message on stderr). */
export async function usageCommand(options: UsageOptions, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const days = options.days ?? 7;
  try {
    const plans = (await getJson<{ item?: PlanJson[] }>(options.admin, '/usageplans')).item ?? [];
    const plan = plans.find((p) => p.id === options.plan) ?? plans.find((p) => p.name === options.plan);
    if (!plan) throw new Error(`no usage plan "${options.plan}" (plans: ${plans.map((p) => p.name).join(', ') || 'none'})`);
    const id = encodeURIComponent(plan.id);
    const keys = (await getJson<{ item?: KeyJson[] }>(options.admin, `/usageplans/${id}/keys`)).item ?? [];
    const key = options.key === undefined ? undefined : (keys.find((k) => k.id === options.key) ?? keys.find((k) => k.name === options.key));
    if (options.key !== undefined && !key) throw new Error(`no API key "${options.key}" in usage plan ${plan.name} (keys: ${keys.map((k) => k.name).join(', ') || 'none'})`);

    const now = Date.now();
    const startDate = new Date(now - (days - 1) * DAY_MS).toISOString().slice(0, 10);
    const endDate = new Date(now).toISOString().slice(0, 10);
    const values: Record<string, [number, number][]> = {};
    let position: string | undefined;
    do {
      const query = new URLSearchParams({ startDate, endDate, ...(key ? { keyId: key.id } : {}), ...(position !== undefined ? { position } : {}) });
      const page = await getJson<UsageJson>(options.admin, `/usageplans/${id}/usage?${query.toString()}`);
      Object.assign(values, page.values ?? {});
      position = page.position;
    } while (position !== undefined);

    out(`usage plan ${plan.name} (${plan.id})${plan.quota ? `: quota ${plan.quota.limit} per ${plan.quota.period}` : ': no quota (usage is recorded for plans with a quota)'}`);
    const rows: string[][] = [['key', 'day', 'used', 'remaining']];
    const names = new Map(keys.map((k) => [k.id, k.name]));
    const start = Date.parse(`${startDate}T00:00:00Z`);
    for (const [keyId, perDay] of Object.entries(values)) {
      perDay.forEach(([used, remaining], i) => rows.push([names.get(keyId) ?? keyId, new Date(start + i * DAY_MS).toISOString().slice(0, 10), String(used), String(remaining)]));
    }
    out(rows.length > 1 ? table(rows) : 'no API keys in this plan');
    return 0;
  } catch (err) {
    process.stderr.write(`portico usage: ${(err as Error).message}\n`);
    return 1;
  }
}
