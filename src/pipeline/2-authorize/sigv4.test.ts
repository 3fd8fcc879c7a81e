/**
 * SigV4 verification against requests signed by the AWS SDK's own signer (`@smithy/signature-v4`,
 * what every SDK v3 client uses): valid requests pass, any change to what was signed fails with
 * AWS's message, and the clock window, scope, keys and session tokens are enforced.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { makeContext } from '../../../test/helpers/context.ts';
import type { GatewayRequest } from '../types.ts';
import { SigV4Error, iamAuthorizerContext, restIdentity, verifySigV4, type SigV4Credential, type SigV4Options } from './sigv4.ts';

const SIGNED_AT = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
const NOW = SIGNED_AT.getTime() + 1000;
const KEY: SigV4Credential = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TEMP: SigV4Credential = { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', sessionToken: 'session-token-value', accountId: '210987654321', arn: 'arn:aws:sts::210987654321:assumed-role/r/s', userId: 'AROAEXAMPLE:s' };

function options(extra: Partial<SigV4Options> = {}): SigV4Options {
  return { credentials: [KEY, TEMP], region: 'us-east-1', accountId: '123456789012', now: () => NOW, ...extra };
}

interface Req {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

/** `encodeURIComponent` as SigV4 wants it (RFC 3986: also `!'()*`). */
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function signer(credential: SigV4Credential = KEY, region = 'us-east-1', service = 'execute-api'): SignatureV4 {
  const { accessKeyId, secretAccessKey, sessionToken } = credential;
  return new SignatureV4({ credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, region, service, sha256: Sha256 });
}

function httpRequest(r: Req) {
  return {
    method: r.method ?? 'GET',
    protocol: 'http:',
    hostname: 'abc123.execute-api.localhost',
    port: 3000,
    path: r.path ?? '/prod/pets',
    query: r.query ?? {},
    headers: { host: 'abc123.execute-api.localhost:3000', ...r.headers },
    ...(r.body !== undefined ? { body: r.body } : {}),
  };
}

/** What arrives at the gateway: the signed request's headers (in the given order and casing), path, query and body. */
function received(signed: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string> }, body = '', tweak: (h: [string, string][]) => [string, string][] = (h) => h): GatewayRequest {
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
    .join('&');
  return makeContext({ method: signed.method, path: signed.path, query, headers: tweak(Object.entries(signed.headers)), body }).request;
}

async function signHeader(r: Req, credential?: SigV4Credential, at = SIGNED_AT): Promise<GatewayRequest> {
  const signed = await signer(credential).sign(httpRequest(r), { signingDate: at });
  return received(signed, r.body);
}

async function rejects(request: GatewayRequest, opts: SigV4Options, type: string, message: string | RegExp): Promise<void> {
  await assert.rejects(verifySigV4(request, opts), (err: unknown) => {
    assert.ok(err instanceof SigV4Error, String(err));
    assert.equal(err.awsErrorType, type);
    if (typeof message === 'string') assert.equal(err.bodyMessage, message);
    else assert.match(err.bodyMessage ?? '', message);
    return true;
  });
}

const MISMATCH = /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'/;

describe('verifySigV4: header-signed requests', () => {
  test('accepts a GET signed by the SDK and names the caller', async () => {
    const caller = await verifySigV4(await signHeader({ query: { b: '2', a: 'x y' } }), options());
    assert.deepEqual(caller, { accessKey: 'AKIDEXAMPLE', accountId: '123456789012', userId: 'AKIDEXAMPLE', userArn: 'arn:aws:iam::123456789012:user/AKIDEXAMPLE', principalOrgId: null });
    assert.deepEqual(restIdentity(caller), { accessKey: 'AKIDEXAMPLE', accountId: '123456789012', caller: 'AKIDEXAMPLE', user: 'AKIDEXAMPLE', userArn: 'arn:aws:iam::123456789012:user/AKIDEXAMPLE' });
    assert.equal((iamAuthorizerContext(caller).iam as Record<string, unknown>)['callerId'], 'AKIDEXAMPLE');
  });

  test('accepts a POST with a body, signed headers and repeated query keys', async () => {
    const request = await signHeader({ method: 'POST', path: '/prod/pets/7', headers: { 'content-type': 'application/json', 'x-custom': '  a   b ' }, body: '{"n":1}' });
    assert.equal((await verifySigV4(request, options())).accessKey, 'AKIDEXAMPLE');
  });

  test('header names in any casing and order, and unsigned extra headers, still verify', async () => {
    const signed = await signer().sign(httpRequest({ headers: { 'x-custom': 'v' } }), { signingDate: SIGNED_AT });
    const request = received(signed, '', (h) => [['User-Agent', 'test'], ...h.reverse().map(([n, v]): [string, string] => [n.toUpperCase(), v])]);
    assert.equal((await verifySigV4(request, options())).accessKey, 'AKIDEXAMPLE');
  });

  test('encoded paths are double-encoded and double slashes normalised, as the SDK does', async () => {
    assert.ok(await verifySigV4(await signHeader({ path: '/prod/a%2Fb/c%3Dd/%C3%BC' }), options()));
    assert.ok(await verifySigV4(await signHeader({ path: '/prod//pets/./7' }), options()));
    // `a%2Fb` and `a/b` are different paths once double-encoded.
    const signed = await signer().sign(httpRequest({ path: '/prod/a%2Fb' }), { signingDate: SIGNED_AT });
    await rejects(received({ ...signed, path: '/prod/a/b' }), options(), 'InvalidSignatureException', /\n\/prod\/a\/b\n/);
  });

  test('a tampered body, signed header, path or query fails with the canonical request and string to sign', async () => {
    const signed = await signer().sign(httpRequest({ method: 'POST', query: { q: '1' }, headers: { 'x-custom': 'v' }, body: 'hello' }), { signingDate: SIGNED_AT });
    await rejects(received(signed, 'hellO'), options(), 'InvalidSignatureException', MISMATCH);
    await rejects(received(signed, 'hello', (h) => h.map(([n, v]): [string, string] => [n, n === 'x-custom' ? 'w' : v])), options(), 'InvalidSignatureException', MISMATCH);
    await rejects(received({ ...signed, path: '/prod/pet' }, 'hello'), options(), 'InvalidSignatureException', MISMATCH);
    await rejects(received({ ...signed, query: { q: '2' } }, 'hello'), options(), 'InvalidSignatureException', /\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240101T120000Z\n20240101\/us-east-1\/execute-api\/aws4_request\n[0-9a-f]{64}'\n$/);
  });

  test('a wrong secret fails; an unknown access key is UnrecognizedClientException', async () => {
    await rejects(await signHeader({}, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wrong' }), options(), 'InvalidSignatureException', MISMATCH);
    await rejects(await signHeader({}, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }), options(), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    await rejects(await signHeader({}), options({ credentials: [] }), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  });

  test('x-amz-content-sha256 cannot stand in for the body (UNSIGNED-PAYLOAD is refused)', async () => {
    const signed = await signer().sign(httpRequest({ method: 'POST', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'data' }), { signingDate: SIGNED_AT });
    await rejects(received(signed, 'data'), options(), 'InvalidSignatureException', MISMATCH);
  });

  test('a date more than 5 minutes old or ahead is refused with AWS wording', async () => {
    const request = await signHeader({});
    await rejects(request, options({ now: () => SIGNED_AT.getTime() + 6 * 60_000 }), 'InvalidSignatureException', 'Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120600Z - 5 min.)');
    await rejects(request, options({ now: () => SIGNED_AT.getTime() - 6 * 60_000 }), 'InvalidSignatureException', 'Signature not yet current: 20240101T120000Z is still later than 20240101T115900Z (20240101T115400Z + 5 min.)');
    assert.ok(await verifySigV4(request, options({ now: () => SIGNED_AT.getTime() + 4 * 60_000 })));
  });

  test('a session token must come with temporary credentials, and only with them', async () => {
    const caller = await verifySigV4(await signHeader({}, TEMP), options());
    assert.deepEqual(caller, { accessKey: 'ASIATEMP', accountId: '210987654321', userId: 'AROAEXAMPLE:s', userArn: 'arn:aws:sts::210987654321:assumed-role/r/s', principalOrgId: null });
    const noToken = { ...TEMP, sessionToken: undefined } as unknown as SigV4Credential;
    await rejects(await signHeader({}, noToken), options(), 'UnrecognizedClientException', 'The security token included in the request is invalid');
    await rejects(await signHeader({}, { ...TEMP, sessionToken: 'other' }), options(), 'UnrecognizedClientException', 'The security token included in the request is invalid');
    await rejects(await signHeader({}, { ...KEY, sessionToken: 'any' }), options(), 'UnrecognizedClientException', 'The security token included in the request is invalid');
  });

  test('a signature over the path-style URL is accepted when the API id is known', async () => {
    const signed = await signer().sign(httpRequest({ path: '/_aws/execute-api/abc123/prod/pets' }), { signingDate: SIGNED_AT });
    const request = received({ ...signed, path: '/prod/pets' });
    assert.ok(await verifySigV4(request, options({ apiId: 'abc123' })));
    await rejects(request, options(), 'InvalidSignatureException', MISMATCH);
  });
});

describe('verifySigV4: malformed or missing authentication', () => {
  const withAuth = (value: string, extra: [string, string][] = [['X-Amz-Date', '20240101T120000Z']]): GatewayRequest =>
    makeContext({ path: '/prod/pets', headers: [['Host', 'h'], ['Authorization', value], ...extra] }).request;

  test('no Authorization header and no presigned query: Missing Authentication Token', async () => {
    await assert.rejects(verifySigV4(makeContext({ path: '/prod/pets' }).request, options()), (err: unknown) => err instanceof SigV4Error && err.type === 'MISSING_AUTHENTICATION_TOKEN' && err.bodyMessage === 'Missing Authentication Token');
  });

  test('a bearer token is not a key=value list', async () => {
    await rejects(withAuth('Bearer abc'), options(), 'IncompleteSignatureException', "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'.");
  });

  test('missing parameters and date are all listed', async () => {
    await rejects(withAuth('AWS4-HMAC-SHA256 Foo=bar', []), options(), 'IncompleteSignatureException', "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Foo=bar");
  });

  test('date format, host, algorithm, credential shape and scope are checked in AWS order', async () => {
    const auth = (cred: string, signed = 'host;x-amz-date', alg = 'AWS4-HMAC-SHA256'): string => `${alg} Credential=${cred}, SignedHeaders=${signed}, Signature=${'0'.repeat(64)}`;
    await rejects(withAuth(auth('AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request'), [['X-Amz-Date', '2024-01-01']]), options(), 'IncompleteSignatureException', "Date must be in ISO-8601 'basic format'. Got '2024-01-01'. See http://en.wikipedia.org/wiki/ISO_8601");
    await rejects(withAuth(auth('AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request', 'x-amz-date')), options(), 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    await rejects(withAuth(auth('AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request', 'host', 'AWS4-HMAC-SHA1')), options(), 'IncompleteSignatureException', "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). ");
    await rejects(withAuth(auth('AKIDEXAMPLE/20240101/us-east-1')), options(), 'IncompleteSignatureException', "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20240101/us-east-1'");
    await rejects(
      withAuth(auth('AKIDEXAMPLE/20240102/eu-west-1/s3/aws4')),
      options(),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'execute-api'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240102' != '20240101', from '20240101T120000Z'.",
    );
  });

  test('two Authorization headers, or a header and a presigned query, are refused', async () => {
    await rejects(withAuth('AWS4-HMAC-SHA256 Credential=a', [['Authorization', 'x=y']]), options(), 'IncompleteSignatureException', /Only one Authorization header/);
    const both = makeContext({ path: '/prod', query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: [['Authorization', 'x=y']] }).request;
    await rejects(both, options(), 'IncompleteSignatureException', /Only one auth mechanism allowed/);
  });
});

describe('verifySigV4: presigned URLs', () => {
  async function presigned(expiresIn: number, credential: SigV4Credential = KEY): Promise<GatewayRequest> {
    const signed = await signer(credential).presign(httpRequest({ query: { color: 'red' } }), { signingDate: SIGNED_AT, expiresIn });
    return received(signed);
  }

  test('accepts a presigned GET (with and without a session token)', async () => {
    assert.equal((await verifySigV4(await presigned(900), options())).accessKey, 'AKIDEXAMPLE');
    assert.equal((await verifySigV4(await presigned(900, TEMP), options())).accessKey, 'ASIATEMP');
  });

  test('expires after X-Amz-Expires seconds', async () => {
    const request = await presigned(60);
    await rejects(request, options({ now: () => SIGNED_AT.getTime() + 120_000 }), 'InvalidSignatureException', 'Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120200Z - 60 sec.)');
  });

  test('a changed query parameter or a missing X-Amz-Signature fails', async () => {
    const signed = await signer().presign(httpRequest({ query: { color: 'red' } }), { signingDate: SIGNED_AT, expiresIn: 900 });
    await rejects(received({ ...signed, query: { ...signed.query, color: 'blue' } }), options(), 'InvalidSignatureException', MISMATCH);
    const { ['X-Amz-Signature']: _dropped, ...rest } = signed.query as Record<string, string>;
    await rejects(received({ ...signed, query: rest }), options(), 'IncompleteSignatureException', "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.");
  });
});
