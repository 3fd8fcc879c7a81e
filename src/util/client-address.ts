/**
 * The client's address behind trusted proxies (portico.yaml `trustedProxies`, `portico serve
 * --trusted-proxy`). Off by default: `sourceIp` is the TCP peer, as on AWS, where nothing a
 * client sends can change `aws:SourceIp`.
 *
 * With trusted ranges, a request whose TCP peer is inside one takes its client address from
 * `X-Forwarded-For`, walked from the right (the end the proxies append to): addresses that are
 * themselves trusted are skipped, the first untrusted one is the client. A client can write
 * anything on the left of the chain, but never past the entry its first trusted proxy appended,
 * so a forged entry cannot win. Only `X-Forwarded-For` is read (what nginx, HAProxy and ALB
 * set); `Forwarded` and `X-Real-IP` are ignored. An entry that is not a bare IPv4 / IPv6
 * address (a port, brackets, garbage, an empty item) ends the walk and the TCP peer is used:
 * a proxy that wrote it cannot be trusted to have written the rest.
 * The walk is the one of nginx's realip module with `real_ip_recursive on`:
 * https://nginx.org/en/docs/http/ngx_http_realip_module.html
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A parsed address: 4 bytes (IPv4, IPv4-mapped IPv6 included) or 16 (IPv6). */
type Bytes = readonly number[];

interface Cidr {
  readonly bytes: Bytes;
  readonly prefix: number;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, as AWS reports IPv4 clients. */
export function normalizeIp(ip: string): string {
  // Per request: a plain IPv4 peer returns at the first test.
  return ip.charCodeAt(0) === 58 /* ':' */ && ip.length > 7 && ip.slice(0, 7).toLowerCase() === '::ffff:' && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** The bytes of an address; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as its IPv4. Undefined when not an address. */
function parseIp(text: string): Bytes | undefined {
  if (isIPv4(text)) return text.split('.').map(Number);
  // A zone (`fe80::1%eth0`) names an interface, not part of the address.
  const pct = text.indexOf('%');
  const ip = pct < 0 ? text : text.slice(0, pct);
  if (!isIPv6(ip)) return undefined;
  const bytes = ipv6Bytes(ip);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** The 16 bytes of an address `isIPv6` accepted (`::` and a trailing dotted IPv4 included). */
function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    tail.push(...text.slice(lastColon + 1).split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const gap = text.indexOf('::');
  const head = (gap < 0 ? text : text.slice(0, gap)).split(':').filter((g) => g !== '');
  const rest = gap < 0 ? [] : text.slice(gap + 2).split(':').filter((g) => g !== '');
  const groups = [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32` or a single address (`127.0.0.1` = `/32`, `::1` =
 * `/128`). Host bits past the prefix are ignored, as IAM's `IpAddress` does. An IPv4-mapped
 * range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps. Returns the reason when malformed.
 */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (bytes === undefined || addr.includes('%')) return `"${text}" is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)`;
  const max = isIPv4(addr) || bytes.length === 16 ? bytes.length * 8 : 128;
  const digits = slash < 0 ? String(max) : text.slice(slash + 1);
  let prefix = /^\d{1,3}$/.test(digits) ? Number(digits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `"${text}": the prefix length must be 0 to ${max}`;
  // An IPv4-mapped range: 96 of its bits are the ::ffff: prefix.
  if (max === 128 && bytes.length === 4) {
    if (prefix < 96) return `"${text}": an IPv4-mapped range needs a prefix of at least 96`;
    prefix -= 96;
  }
  return { bytes, prefix };
}

function inCidr(bytes: Bytes, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] as number) & mask) !== ((cidr.bytes[i] as number) & mask)) return false;
  }
  return true;
}

/** The trusted proxy ranges: IPv4 and IPv6, matched with IPv4-mapped addresses as IPv4. */
export class TrustedProxies {
  readonly #ranges: readonly Cidr[];
  /** The ranges as given, for logs. */
  readonly list: readonly string[];

  private constructor(list: readonly string[], ranges: readonly Cidr[]) {
    this.list = list;
    this.#ranges = ranges;
  }

  /** Parses a list of ranges; throws an Error naming the first malformed one. */
  static parse(list: readonly string[]): TrustedProxies {
    const ranges = list.map((text) => {
      const cidr = parseCidr(text.trim());
      if (typeof cidr === 'string') throw new Error(cidr);
      return cidr;
    });
    return new TrustedProxies(list, ranges);
  }

  /** Whether an address (any textual form) is inside a trusted range; false for a non-address. */
  has(ip: string): boolean {
    const bytes = parseIp(ip);
    return bytes !== undefined && this.#ranges.some((r) => inCidr(bytes, r));
  }
}

/** Where a request's client address came from. */
export interface ClientAddress {
  /** The client: `sourceIp` of events, `aws:SourceIp` of policies, the access log's `ip`. */
  readonly sourceIp: string;
  /** The TCP peer (normalised): what portico appends to the X-Forwarded-For it forwards. */
  readonly peerIp: string;
  /** Set when a malformed X-Forwarded-For entry stopped the walk (logged at debug). */
  readonly malformed?: string;
}

// Upgrade requests reach the WebSocket flavour as node's IncomingMessage: the gateway records
// their client address here (it knows the trusted ranges), the handshake reads it.
const recorded = new WeakMap<object, ClientAddress>();

/** Records the client address resolved for an upgrade request. */
export function recordClientAddress(req: object, address: ClientAddress): void {
  recorded.set(req, address);
}

/** The address recorded for a request; undefined when none was (no trusted ranges). */
export function recordedClientAddress(req: object): ClientAddress | undefined {
  return recorded.get(req);
}

/** Every `X-Forwarded-For` field of a raw header list, joined with `,` in order (RFC 9110 §5.3). */
export function forwardedForOf(rawHeaders: readonly string[]): string | undefined {
  let xff: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'x-forwarded-for') continue;
    const value = rawHeaders[i + 1] as string;
    xff = xff === undefined ? value : `${xff},${value}`;
  }
  return xff;
}

/**
 * The client address of a request from `remoteAddress` carrying `xff` (its X-Forwarded-For
 * fields joined). Without trusted ranges, or from an untrusted peer, it is the peer itself.
 */
export function clientAddress(remoteAddress: string, xff: string | undefined, trusted: TrustedProxies | undefined): ClientAddress {
  const peerIp = normalizeIp(remoteAddress);
  if (trusted === undefined || xff === undefined || !trusted.has(peerIp)) return { sourceIp: peerIp, peerIp };
  const entries = xff.split(',');
  // Everything right of the client is trusted; when every entry is, the leftmost is the
  // furthest hop known, as nginx's realip module answers.
  let client = peerIp;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = (entries[i] as string).trim();
    if (parseIp(entry) === undefined || entry.includes('%')) return { sourceIp: peerIp, peerIp, malformed: entry };
    client = normalizeIp(entry);
    if (!trusted.has(entry)) break;
  }
  return { sourceIp: client, peerIp };
}
