/**
 * Media types as REST APIs compare them: binary media types against `Content-Type` (request)
 * and `Accept` (response), template keys against either.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
 */

/** `Application/JSON; charset=utf-8` → `application/json`; `''` for a missing or empty header. */
export function essence(header: string | undefined): string {
  if (header === undefined) return '';
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/**
 * The first media type of an `Accept` header, lower-cased, parameters dropped. AWS honours only
 * the first ("API Gateway uses the first media type in the Accept header", known issues:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html).
 */
export function firstAccept(header: string | undefined): string {
  if (header === undefined) return '';
  const comma = header.indexOf(',');
  return essence(comma < 0 ? header : header.slice(0, comma));
}

/** Whether `type` (an essence) matches `pattern` (`image/png`, `image/*` or `*\/*`). */
export function mediaTypeMatches(type: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p === '*/*') return type !== '';
  if (p.endsWith('/*')) return type.startsWith(p.slice(0, -1));
  return type === p;
}

/** Whether a `Content-Type` / first `Accept` value names one of the API's binary media types. */
export function isBinaryMediaType(type: string, binaryMediaTypes: readonly string[]): boolean {
  if (type === '' || binaryMediaTypes.length === 0) return false;
  for (const pattern of binaryMediaTypes) if (mediaTypeMatches(type, pattern)) return true;
  return false;
}
