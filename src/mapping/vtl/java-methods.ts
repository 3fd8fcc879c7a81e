/**
 * The Java methods templates call on strings, numbers, maps and lists (`$s.toLowerCase()`,
 * `$m.keySet()`, `$l.size()`). Only the methods listed here exist: nothing reaches a JS
 * function or prototype, so `$x.constructor`, `$x.getClass()` or `$x.__proto__` are simply
 * unknown and render empty, as an unknown method does on AWS ("When a non-existent function is
 * referenced, no error is shown", https://repost.aws/questions/QUd8ArVQaaReyZv3nmigFDGQ).
 * A Java exception (index out of range) is a RUNTIME error: Velocity rethrows it and the
 * transformation fails.
 */
import { VtlError } from './errors.ts';
import { javaMatches, javaReplace, javaSplit } from './java-regex.ts';
import { VtlObject, isMap, javaEquals, javaList, javaNumber, javaToString, mapGet, mapPut, newMap, type VtlMap } from './java-values.ts';

/** `Map.Entry`, as `entrySet()` yields it: `$e.key`, `$e.value`, rendered `key=value`. */
class MapEntry extends VtlObject {
  readonly #key: string;
  readonly #value: unknown;
  constructor(key: string, value: unknown) {
    super();
    this.#key = key;
    this.#value = value;
  }
  call(name: string): unknown {
    if (name === 'getKey') return this.#key;
    if (name === 'getValue') return this.#value;
    if (name === 'toString') return this.toString();
    return undefined;
  }
  property(name: string): unknown {
    return name === 'key' ? this.#key : name === 'value' ? this.#value : undefined;
  }
  toString(): string {
    return `${this.#key}=${javaToString(this.#value)}`;
  }
}

/** Java `String.trim()`: strips chars <= U+0020 (not Unicode spaces, unlike JS trim). */
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

const str = (v: unknown): string => javaToString(v);
const int = (v: unknown): number => (typeof v === 'number' ? Math.trunc(v) : Number.parseInt(str(v), 10));

function outOfRange(what: string, index: number): never {
  throw new VtlError('PORTICO_ERR_VTL_RUNTIME', `${what} index out of range: ${index}`);
}

function stringMethod(s: string, name: string, a: readonly unknown[]): unknown {
  switch (name) {
    case 'length': return s.length;
    case 'isEmpty': return s.length === 0;
    case 'toLowerCase': return s.toLowerCase();
    case 'toUpperCase': return s.toUpperCase();
    case 'trim': return javaTrim(s);
    case 'contains': return s.includes(str(a[0]));
    case 'startsWith': return s.startsWith(str(a[0]), a[1] === undefined ? 0 : int(a[1]));
    case 'endsWith': return s.endsWith(str(a[0]));
    case 'equals': return typeof a[0] === 'string' && a[0] === s;
    case 'equalsIgnoreCase': return typeof a[0] === 'string' && a[0].toLowerCase() === s.toLowerCase();
    case 'indexOf': return s.indexOf(str(a[0]), a[1] === undefined ? 0 : int(a[1]));
    case 'lastIndexOf': return a[1] === undefined ? s.lastIndexOf(str(a[0])) : s.lastIndexOf(str(a[0]), int(a[1]));
    case 'charAt': {
      const i = int(a[0]);
      return i >= 0 && i < s.length ? s.charAt(i) : outOfRange('String', i);
    }
    case 'substring': {
      const begin = int(a[0]);
      const end = a[1] === undefined ? s.length : int(a[1]);
      if (!(begin >= 0 && end <= s.length && begin <= end)) outOfRange('String', begin < 0 ? begin : end);
      return s.slice(begin, end);
    }
    case 'concat': return s + str(a[0]);
    case 'replace': return s.split(str(a[0])).join(str(a[1]));
    case 'replaceAll': return javaReplace(s, str(a[0]), str(a[1]), true);
    case 'replaceFirst': return javaReplace(s, str(a[0]), str(a[1]), false);
    case 'matches': return javaMatches(s, str(a[0]));
    // A Java String[]; rendered like a list here (on AWS it would print as `[Ljava.lang.String;@…`).
    case 'split': return javaList(javaSplit(s, str(a[0]), a[1] === undefined ? 0 : int(a[1])));
    case 'compareTo': return s < str(a[0]) ? -1 : s > str(a[0]) ? 1 : 0;
    case 'toString': return s;
    default: return undefined;
  }
}

function listMethod(l: unknown[], name: string, a: readonly unknown[]): unknown {
  switch (name) {
    // `count()` is listed with `size()` for JSON arrays in spec §4.6.
    case 'size': case 'count': return l.length;
    case 'isEmpty': return l.length === 0;
    case 'get': {
      const i = int(a[0]);
      return i >= 0 && i < l.length ? l[i] : outOfRange('List', i);
    }
    case 'contains': return l.some((x) => javaEquals(x, a[0]));
    case 'indexOf': return l.findIndex((x) => javaEquals(x, a[0]));
    case 'add':
      if (a.length >= 2) {
        const i = int(a[0]);
        if (i < 0 || i > l.length) outOfRange('List', i);
        l.splice(i, 0, a[1]);
        return undefined;
      }
      l.push(a[0]);
      return true;
    case 'set': {
      const i = int(a[0]);
      if (i < 0 || i >= l.length) outOfRange('List', i);
      const previous = l[i];
      l[i] = a[1];
      return previous;
    }
    case 'remove': {
      if (typeof a[0] === 'number') {
        const i = int(a[0]);
        return i >= 0 && i < l.length ? l.splice(i, 1)[0] : outOfRange('List', i);
      }
      const at = l.findIndex((x) => javaEquals(x, a[0]));
      if (at >= 0) l.splice(at, 1);
      return at >= 0;
    }
    case 'subList': return javaList(l.slice(int(a[0]), int(a[1])));
    case 'toString': return javaToString(l);
    case 'equals': return javaEquals(l, a[0]);
    default: return undefined;
  }
}

function mapMethod(m: VtlMap, name: string, a: readonly unknown[]): unknown {
  switch (name) {
    case 'get': return mapGet(m, str(a[0]));
    case 'containsKey': return Object.hasOwn(m, str(a[0]));
    case 'containsValue': return Object.values(m).some((v) => javaEquals(v, a[0]));
    case 'keySet': return javaList(Object.keys(m));
    case 'values': return javaList(Object.values(m));
    case 'entrySet': return javaList(Object.entries(m).map(([k, v]) => new MapEntry(k, v)));
    case 'size': return Object.keys(m).length;
    case 'isEmpty': return Object.keys(m).length === 0;
    case 'put': return mapPut(m, str(a[0]), a[1]);
    case 'putAll':
      if (isMap(a[0])) for (const [k, v] of Object.entries(a[0])) mapPut(m, k, v);
      return undefined;
    case 'remove': {
      const previous = mapGet(m, str(a[0]));
      delete m[str(a[0])];
      return previous;
    }
    case 'toString': return javaToString(m);
    case 'equals': return javaEquals(m, a[0]);
    default: return undefined;
  }
}

/** Calls Java method `name` on `target`; `undefined` when the type has no such method. */
export function callJavaMethod(target: unknown, name: string, args: readonly unknown[]): unknown {
  if (target instanceof VtlObject) return target.call(name, args);
  if (typeof target === 'string') return stringMethod(target, name, args);
  if (Array.isArray(target)) return listMethod(target, name, args);
  if (isMap(target)) return mapMethod(target, name, args);
  if (typeof target === 'number') {
    if (name === 'intValue' || name === 'longValue') return Math.trunc(target);
    if (name === 'doubleValue' || name === 'floatValue') return target;
    if (name === 'toString') return javaNumber(target);
    if (name === 'equals') return typeof args[0] === 'number' && args[0] === target;
    return undefined;
  }
  if (typeof target === 'boolean') {
    if (name === 'booleanValue') return target;
    if (name === 'toString') return String(target);
    if (name === 'equals') return args[0] === target;
  }
  return undefined;
}

/**
 * `$x.name`: a map key for maps; otherwise Velocity's bean lookup, `getName()` then `isName()`
 * (`$s.empty` is `isEmpty()`, `$e.key` is `getKey()`).
 */
export function getJavaProperty(target: unknown, name: string): unknown {
  if (target === null || target === undefined) return undefined;
  if (target instanceof VtlObject) return target.property(name);
  if (isMap(target)) return mapGet(target, name);
  const cap = name.charAt(0).toUpperCase() + name.slice(1);
  const viaGetter = callJavaMethod(target, `get${cap}`, []);
  return viaGetter !== undefined ? viaGetter : callJavaMethod(target, `is${cap}`, []);
}

/** `$x[i]` / `$m['k']` (Velocity 1.7 index notation); out of range is null. */
export function getJavaIndex(target: unknown, key: unknown): unknown {
  if (Array.isArray(target)) {
    const i = typeof key === 'number' ? key : Number.NaN;
    return Number.isInteger(i) && i >= 0 && i < target.length ? target[i] : undefined;
  }
  if (isMap(target)) return mapGet(target, str(key));
  return undefined;
}

/** A map built from JS entries (used for `$foreach`). */
export function mapOf(entries: Readonly<Record<string, unknown>>): VtlMap {
  const m = newMap();
  for (const [k, v] of Object.entries(entries)) mapPut(m, k, v);
  return m;
}
