/**
 * Redis URLs as `--redis` and `state.redis` name them: `redis://`, `rediss://` (one server) or
 * `redis+cluster://` / `rediss+cluster://` (a cluster's seed nodes; see cluster.ts). Apart from
 * cluster.ts so that checking a URL (the CLI, the config loader) does not load ioredis: a
 * gateway without Redis never loads it (docs/performance.md, RSS).
 */

/** What a cluster URL names. */
export interface ClusterTarget {
  /** Seed nodes: at least one. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

/** True when `url` names a cluster (`redis+cluster://` or `rediss+cluster://`). */
export const isClusterUrl = (url: string): boolean => /^rediss?\+cluster:\/\//i.test(url);

/**
 * Checks a `--redis` / `state.redis` URL: `redis://`, `rediss://` (one server, parsed by
 * ioredis) or a cluster URL, parsed here. Throws an Error saying what is wrong.
 */
export function checkRedisUrl(url: string): void {
  if (isClusterUrl(url)) parseClusterUrl(url);
  else if (!/^rediss?:\/\//i.test(url)) throw new Error('a Redis URL starts with redis://, rediss://, redis+cluster:// or rediss+cluster://');
}

/**
 * Parses a cluster URL; throws an Error saying what is wrong. Hosts are `name`, `name:port`,
 * `ipv4:port` or `[ipv6]:port`; the port defaults to 6379.
 */
export function parseClusterUrl(url: string): ClusterTarget {
  const match = /^(rediss?)\+cluster:\/\/([^/?#]*)(\/?)$/i.exec(url);
  if (!match) throw new Error(`a Redis Cluster URL is redis+cluster://[user:password@]host:port,host:port[/] (no database, no query): ${url}`);
  const [, scheme = '', authority = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hosts = authority.slice(at + 1);
  if (hosts === '') throw new Error(`a Redis Cluster URL names at least one node: ${url}`);
  const nodes = hosts.split(',').map((h) => {
    let parsed: URL;
    try {
      parsed = new URL(`redis://${h}`);
    } catch {
      throw new Error(`not a host or host:port in the Redis Cluster URL: "${h}"`);
    }
    if (h === '' || parsed.username !== '' || parsed.password !== '' || parsed.pathname !== '') throw new Error(`not a host or host:port in the Redis Cluster URL: "${h}"`);
    // URL keeps IPv6 brackets in hostname; ioredis wants the bare address.
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port === '' ? 6379 : Number(parsed.port) };
  });
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === undefined ? '' : decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
  const password = userinfo === undefined || colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  return {
    nodes,
    tls: scheme.toLowerCase() === 'rediss',
    ...(username !== '' ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
