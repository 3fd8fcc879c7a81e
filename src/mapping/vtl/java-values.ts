/**
 * The value model templates see. AWS renders mapping templates with Apache Velocity on the JVM,
 * so what a template prints is Java's `toString()` of the value:
 *
 * | JS value here                         | Java value on AWS                 | rendered as              |
 * |---------------------------------------|-----------------------------------|--------------------------|
 * | string / number / boolean             | String / Integer, Double / Boolean | `abc` / `1`, `1.5` / `true` |
 * | plain or null-prototype object (map)  | LinkedHashMap                     | `{foo=bar, a=1}`         |
 * | array from JSON (`$input.path`, parseJson) | json-smart JSONArray         | JSON: `[{"foo":"bar"}]`  |
 * | array made by the template ({@link javaList}) | ArrayList                 | `[a, b]`                 |
 * | {@link VtlObject} (`$input`, `$util`, map entries) | service objects          | its own `toString()`     |
 *
 * Spec §4.6 and LocalStack's AWS-validated snapshots (`test_input_path_template_formatting`,
 * PR localstack#12379) record the map and JSON-list renderings.
 */

/** An object with Java-like methods that templates may call; nothing else of it is reachable. */
export abstract class VtlObject {
  /** Calls the Java method `name`; `undefined` when there is no such method (renders empty). */
  abstract call(name: string, args: readonly unknown[]): unknown;
  /** Reads a bean property (`$input.body`); `undefined` when there is none. */
  abstract property(name: string): unknown;
  /** What Velocity prints for the object. */
  abstract toString(): string;
}

/** A template-side map: string keys, no prototype, so `constructor` or `__proto__` are plain data. */
export type VtlMap = Record<string, unknown>;

const javaLists = new WeakSet<unknown[]>();

/** Marks an array as a Java `ArrayList` (rendered `[a, b]`, not as JSON). */
export function javaList<T>(items: T[]): T[] {
  javaLists.add(items);
  return items;
}

/** Whether the array renders as a Java list rather than a JSON array. */
export function isJavaList(value: unknown): boolean {
  return Array.isArray(value) && javaLists.has(value);
}

/** A new empty map without a prototype. */
export function newMap(): VtlMap {
  return Object.create(null) as VtlMap;
}

/** Whether a value is a map (any non-array, non-VtlObject object). */
export function isMap(value: unknown): value is VtlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof VtlObject);
}

/** `Map.get`: own keys only, so nothing on Object.prototype is ever reachable. */
export function mapGet(map: VtlMap, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** `Map.put`: defines the key as data even when it is `__proto__`; returns the previous value. */
export function mapPut(map: VtlMap, key: string, value: unknown): unknown {
  const previous = mapGet(map, key);
  // Plain assignment makes an own data property for every key but `__proto__` (Object.prototype
  // has no other setter), and is an order of magnitude cheaper than defineProperty.
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
  return previous;
}

/** Deep-copies a plain tree into template maps and Java lists, so templates never mutate the caller's data. */
export function copyTree(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return javaList(value.map(copyTree));
  if (!isMap(value)) return value;
  // An ordinary object, not newMap()'s prototype-less one: V8 keeps those as dictionaries, and
  // this copy, made per render, was a quarter of a REST request's allocation (docs/performance.md).
  // Templates reach map members only through own keys (mapGet, mapPut, Object.keys), as they do
  // for parsed JSON bodies, so the prototype stays out of reach.
  // Spread defines own data properties (a `__proto__` key stays data) in one step.
  const out: VtlMap = { ...value };
  for (const k in out) {
    const v = out[k];
    if (typeof v !== 'object' || v === null || !Object.hasOwn(out, k)) continue;
    const copied = copyTree(v);
    if (k === '__proto__') mapPut(out, k, copied);
    else out[k] = copied;
  }
  return out;
}

/**
 * Java's `Double.toString` / `Long.toString` for a JS number: integers print without a
 * fraction, other values as Java doubles (`1.5`, `1.0E-7`, `1.23456785E7`). JSON `1.0` is a
 * Double on AWS (`1.0`) but JS cannot tell it from `1`, so it prints `1` here.
 */
export function javaNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const [mantissa = '0', exponent = '0'] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** Java `String.valueOf(value)`: what `$x` prints (the caller renders null as empty). */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return javaNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) {
    return isJavaList(value) ? `[${value.map(javaToString).join(', ')}]` : toJsonText(value);
  }
  if (value instanceof VtlObject) return value.toString();
  if (isMap(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${k}=${javaToString(v)}`).join(', ')}}`;
  }
  return '';
}

/** Compact JSON as json-smart writes it (`$input.json`, JSON lists): `{"a":1,"b":[1,2]}`. */
export function toJsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? javaNumber(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value instanceof VtlObject) return JSON.stringify(value.toString());
  if (isMap(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  return 'null';
}

/**
 * Velocity 1.7 `==`: numbers compare by value; null equals only null; otherwise equal Java
 * objects, and objects of different classes whose `toString()`s match, are equal.
 * https://velocity.apache.org/engine/1.7/vtl-reference.html#ifelseifelse_-_output_conditional_on_truth_of_statements
 */
export function javaEquals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === b) return true;
  return javaToString(a) === javaToString(b);
}

/** Velocity 1.7 truthiness: null and `false` are false, every other value (even `""`) is true. */
export function javaTruthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}
