/**
 * Strict base64 decoding for payloads AWS decodes (Lambda results with `isBase64Encoded`,
 * CONVERT_TO_BINARY): whitespace is ignored, anything else that is not base64 is refused
 * rather than silently skipped as `Buffer.from(text, 'base64')` would.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The decoded bytes, or undefined when `text` is not base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}
