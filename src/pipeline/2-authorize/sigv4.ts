/**
 * IAM (SigV4) authentication, as `execute-api` checks it for REST `AWS_IAM` methods, HTTP API
 * `AWS_IAM` routes and the WebSocket `@connections` API (spec §6.3, §11.2). The signature is
 * recomputed over the request exactly as received (method, raw path, query, the headers named
 * in SignedHeaders, the SHA-256 of the body) with the AWS SDK's own signer
 * (`@smithy/signature-v4`: the same canonicalisation, double URI-encoding of the path and
 * signing-key derivation every SDK client uses), then compared in constant time.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 *
 * Checks run in the order AWS's SigV4 front end reports them (recorded by dynalite against real
 * AWS): syntax → date format → clock window (±5 min) → `host` signed → algorithm → credential
 * shape → scope (region, `execute-api`, `aws4_request`, date) → access key → signature →
 * security token. This module only authenticates: what the caller may do is decided after it by
 * the credential's identity policies (identity-policy.ts) and the REST resource policy
 * (resource-policy.ts).
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credential } from '../../model/index.ts';
import type { GatewayRequest, Phase, RestContext } from '../types.ts';
import { ALGORITHM, headerValues, parseSignature, type SignatureClaim } from './sigv4-parse.ts';
import { SigV4Error } from './sigv4-error.ts';

export { SigV4Error, type SigV4ErrorType } from './sigv4-error.ts';

/**
 * A credential requests may be signed with: portico.yaml's `credentials` entry. The optional
 * fields describe the IAM principal behind the key for the event's identity and for resource
 * policies' `Principal` (defaults: the project's account, user id = access key id,
 * `arn:aws:iam::{account}:user/{accessKeyId}`). With `sessionToken`, requests must carry it
 * (`X-Amz-Security-Token`), as temporary credentials must on AWS.
 */
export interface SigV4Credential extends Credential {
  readonly sessionToken?: string;
  readonly accountId?: string;
  readonly arn?: string;
  readonly userId?: string;
  /** `principalOrgId` in HTTP API events. */
  readonly principalOrgId?: string;
}

/** Options of {@link verifySigV4} and {@link createSigV4Phase}. */
export interface SigV4Options {
  /** The only keys accepted. Environment credentials are never consulted (see docs/rest-api.md). */
  readonly credentials: readonly SigV4Credential[];
  /** The credential scope's region must be this one (the API's). */
  readonly region: string;
  /** The account of credentials that don't name one. */
  readonly accountId: string;
  /** With it, a signature over the path-style URL `/_aws/execute-api/{apiId}/…` is accepted too. */
  readonly apiId?: string;
  /** Epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /** The credential scope's service: `execute-api` (default; API calls) or `apigateway` (the admin port's control-plane calls). */
  readonly service?: string;
}

/** Who signed the request. */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly userId: string;
  readonly userArn: string;
  readonly principalOrgId: string | null;
}

/** The SigV4 service name of API Gateway's data plane. */
const SERVICE = 'execute-api';
/** AWS's allowed clock skew for signed requests. */
const SKEW_MS = 5 * 60 * 1000;
/** The longest a presigned URL may live: one week. */
const MAX_EXPIRES_S = 604_800;

/** node:crypto behind the signer's hash interface (SHA-256, or HMAC-SHA256 with a secret). */
export class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === 'string' ? data : toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The SDK signer with its canonical-request and string-to-sign steps opened up for verifying. */
class Verifier extends SignatureV4 {
  canonicalRequest(method: string, path: string, query: Record<string, string | string[]>, headers: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest({ method, protocol: 'https:', hostname: '', path, query, headers }, headers, payloadHash);
  }
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM);
  }
}

interface CompiledKey {
  readonly credential: SigV4Credential;
  readonly verifier: Verifier;
  readonly caller: IamCaller;
}

interface Compiled {
  readonly keys: ReadonlyMap<string, CompiledKey>;
  readonly opts: SigV4Options;
}

const compiledByOpts = new WeakMap<SigV4Options, Compiled>();

/** One signer per credential, built once per options object (compile at load, not per request). */
function compile(opts: SigV4Options): Compiled {
  let compiled = compiledByOpts.get(opts);
  if (compiled) return compiled;
  const keys = new Map<string, CompiledKey>();
  for (const credential of opts.credentials) {
    const accountId = credential.accountId ?? opts.accountId;
    const userId = credential.userId ?? credential.accessKeyId;
    keys.set(credential.accessKeyId, {
      credential,
      verifier: new Verifier({
        credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
        region: opts.region,
        service: opts.service ?? SERVICE,
        sha256: NodeSha256,
      }),
      caller: {
        accessKey: credential.accessKeyId,
        accountId,
        userId,
        userArn: credential.arn ?? `arn:aws:iam::${accountId}:user/${credential.accessKeyId}`,
        principalOrgId: credential.principalOrgId ?? null,
      },
    });
  }
  compiled = { keys, opts };
  compiledByOpts.set(opts, compiled);
  return compiled;
}

/**
 * Authenticates a request; resolves with the caller or rejects with a {@link SigV4Error}
 * (MISSING_AUTHENTICATION_TOKEN when nothing is signed, INVALID_SIGNATURE otherwise). Reads
 * the body (to hash it), which stays available to the integration. Pass the same `opts`
 * object every time: what it compiles is cached on it.
 */
export async function verifySigV4(request: GatewayRequest, opts: SigV4Options): Promise<IamCaller> {
  const { keys } = compile(opts);
  const claim = parseSignature(request);
  if (!claim) throw new SigV4Error('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const now = (opts.now ?? Date.now)();
  const signingDate = checkDate(claim, now);
  const signed = claim.signedHeaders.split(';');
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html ("host" must be signed)
  if (!signed.some((h) => h.toLowerCase() === 'host' || h === ':authority')) {
    throw new SigV4Error('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (claim.algorithm !== ALGORITHM) throw new SigV4Error('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${claim.algorithm}' (only ${ALGORITHM} for now). `);
  const parts = claim.credential.replace(/\/+$/, '').split('/');
  if (parts.length !== 5) throw new SigV4Error('IncompleteSignatureException', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${claim.credential}'`);
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  const longDate = formatDate(signingDate);
  let scopeErrors = '';
  if (region !== opts.region) scopeErrors += `Credential should be scoped to a valid region, not '${region}'. `;
  const wanted = opts.service ?? SERVICE;
  if (service !== wanted) scopeErrors += `Credential should be scoped to correct service: '${wanted}'. `;
  if (terminator !== 'aws4_request') scopeErrors += `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `;
  if (scopeDate !== longDate.slice(0, 8)) scopeErrors += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${longDate.slice(0, 8)}', from '${claim.date}'.`;
  if (scopeErrors) throw new SigV4Error('InvalidSignatureException', scopeErrors.trim());
  const key = keys.get(accessKeyId);
  if (!key) throw new SigV4Error('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const body = await request.body.read();
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers = canonicalHeaderValues(request, signed);
  const query = canonicalQuery(claim);
  const scope = `${scopeDate}/${region}/${service}/${terminator}`;
  const provided = Buffer.from(claim.signature, 'utf8');
  let first: { canonical: string; stringToSign: string } | undefined;
  for (const path of candidatePaths(request, opts)) {
    const canonical = key.verifier.canonicalRequest(request.method, path, query, headers, payloadHash);
    const stringToSign = await key.verifier.stringToSign(longDate, scope, canonical);
    first ??= { canonical, stringToSign };
    const expected = Buffer.from(await key.verifier.sign(stringToSign, { signingDate, signingRegion: region, signingService: service }), 'utf8');
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) {
      checkToken(claim, key.credential);
      return key.caller;
    }
  }
  const shown = first as { canonical: string; stringToSign: string };
  // AWS's execute-api answer includes both strings (reported: mhart/aws4#33, arnemolland/sigv4#17).
  throw new SigV4Error(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
      `\n\nThe Canonical String for this request should have been\n'${shown.canonical}'\n\nThe String-to-Sign should have been\n'${shown.stringToSign}'\n`,
  );
}

/** The REST `AWS_IAM` phase: authenticates, then fills `$context.identity` / `requestContext.identity`. */
export function createSigV4Phase(opts: SigV4Options): Phase<RestContext> {
  compile(opts);
  return async (ctx) => {
    const caller = await verifySigV4(ctx.request, opts);
    ctx.identity = { ...ctx.identity, ...restIdentity(caller) };
  };
}

/**
 * REST's `requestContext.identity` / `$context.identity` fields for an IAM caller (spec §2.1):
 * `caller` and `user` are the principal's unique id, as AWS fills them for IAM users.
 */
export function restIdentity(caller: IamCaller): Readonly<Record<string, string | null>> {
  return { accessKey: caller.accessKey, accountId: caller.accountId, caller: caller.userId, user: caller.userId, userArn: caller.userArn };
}

/** HTTP API 2.0 `requestContext.authorizer` for an IAM caller (spec §2.2, LGO:apigw-v2-request-iam.json). */
export function iamAuthorizerContext(caller: IamCaller): { readonly iam: Readonly<Record<string, unknown>> } {
  return {
    iam: {
      accessKey: caller.accessKey,
      accountId: caller.accountId,
      callerId: caller.userId,
      cognitoIdentity: null,
      principalOrgId: caller.principalOrgId,
      userArn: caller.userArn,
      userId: caller.userId,
    },
  };
}

/** The request date, checked for format and freshness; AWS's InvalidSignatureException wording. */
function checkDate(claim: SignatureClaim, now: number): Date {
  const date = claim.dateSource === 'date' ? parseHttpDate(claim.date) : parseBasicDate(claim.date);
  if (!date) throw new SigV4Error('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${claim.date}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  const t = date.getTime();
  const shown = formatDate(date);
  if (claim.expires !== undefined) {
    // Presigned: valid from the signing date for X-Amz-Expires seconds (at most a week).
    if (!/^\d{1,9}$/.test(claim.expires)) throw new SigV4Error('IncompleteSignatureException', 'X-Amz-Expires must be non-negative');
    const seconds = Number(claim.expires);
    if (seconds > MAX_EXPIRES_S) throw new SigV4Error('IncompleteSignatureException', `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_S}`);
    if (t + seconds * 1000 < now) throw new SigV4Error('InvalidSignatureException', `Signature expired: ${shown} is now earlier than ${formatDate(new Date(now - seconds * 1000))} (${formatDate(new Date(now))} - ${seconds} sec.)`);
  } else if (t < now - SKEW_MS) {
    throw new SigV4Error('InvalidSignatureException', `Signature expired: ${shown} is now earlier than ${formatDate(new Date(now - SKEW_MS))} (${formatDate(new Date(now))} - 5 min.)`);
  }
  if (t > now + SKEW_MS) throw new SigV4Error('InvalidSignatureException', `Signature not yet current: ${shown} is still later than ${formatDate(new Date(now + SKEW_MS))} (${formatDate(new Date(now))} + 5 min.)`);
  return date;
}

/** `20240101T000000Z`, strictly (a real calendar date). */
function parseBasicDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) || formatDate(date) !== text ? undefined : date;
}

/** An RFC 7231 `Date` header (`Mon, 01 Jan 2024 00:00:00 GMT`). */
function parseHttpDate(text: string): Date | undefined {
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** ISO-8601 basic format, as SigV4 writes dates. */
function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The signed headers' canonical values: every copy of the header in arrival order, each trimmed
 * with inner whitespace runs collapsed, joined with `,` (a header that is absent signs as empty).
 */
function canonicalHeaderValues(request: GatewayRequest, signed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of signed) {
    const lower = name.toLowerCase();
    out[lower] = headerValues(request, lower)
      .map((v) => v.trim().replace(/\s+/g, ' '))
      .join(',');
  }
  return out;
}

/** Query pairs grouped by name; the signer sorts names and values and drops X-Amz-Signature. */
function canonicalQuery(claim: SignatureClaim): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of claim.query) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The path as received; also with the path-style prefix the edge strips, when the API is known. */
function candidatePaths(request: GatewayRequest, opts: SigV4Options): string[] {
  return opts.apiId === undefined ? [request.rawPath] : [request.rawPath, `/_aws/execute-api/${opts.apiId}${request.rawPath}`];
}

/**
 * Temporary credentials need their session token, and long-term ones take none
 * (UnrecognizedClientException, AWS's wording without the final period for this check).
 */
function checkToken(claim: SignatureClaim, credential: SigV4Credential): void {
  const expected = credential.sessionToken;
  const sent = claim.securityToken;
  if (expected === undefined && sent === undefined) return;
  if (expected !== undefined && sent !== undefined) {
    const a = createHash('sha256').update(expected).digest();
    const b = createHash('sha256').update(sent).digest();
    if (timingSafeEqual(a, b)) return;
  }
  throw new SigV4Error('UnrecognizedClientException', 'The security token included in the request is invalid');
}
