/** A location inside a definition: the keys from the document root. */
export type JsonPath = readonly (string | number)[];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path as `$.apis[0].routes['GET /pets']`, the form every ConfigError uses. */
export function formatJsonPath(path: JsonPath): string {
  let out = '$';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENT.test(key)) out += `.${key}`;
    else out += `['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

/** Parses ajv's `instancePath` (`/apis/0/name`, RFC 6901) into a JsonPath. */
export function fromPointer(pointer: string): JsonPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^(0|[1-9][0-9]*)$/.test(p) ? Number(p) : p));
}
