/**
 * The reference table of docs/project-file.md, generated from the project schema so the docs
 * cannot drift from what the loader accepts (`npm run docs` rewrites it; a test checks it).
 */
import { projectSchema } from './project-schema.ts';

interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
}

/** Markers around the generated part of docs/project-file.md. */
export const DOC_BEGIN = '<!-- generated from src/config/project-schema.ts: npm run docs -->';
export const DOC_END = '<!-- end of generated reference -->';

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (node.type === 'object' && !node.properties && typeof node.additionalProperties === 'object') {
    return node.additionalProperties.properties ? 'map of objects' : `map of ${typeOf(node.additionalProperties)}`;
  }
  const t = node.type ?? 'any';
  return typeof t === 'string' ? t : t.join(' \\| ');
}

function bounds(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.default !== undefined) parts.push(`default ${JSON.stringify(node.default)}`);
  if (node.minimum !== undefined || node.maximum !== undefined) parts.push(`${node.minimum ?? '…'}–${node.maximum ?? '…'}`);
  if (node.minLength !== undefined || node.maxLength !== undefined) parts.push(`${node.minLength ?? 0}–${node.maxLength ?? '…'} characters`);
  return parts.join('; ');
}

/** Rows `| key | type | required | default / bounds | description |` for every key, depth first. */
export function schemaReference(): string {
  const rows: string[] = ['| key | type | required | default / bounds | description |', '|---|---|---|---|---|'];
  const walk = (node: SchemaNode, prefix: string): void => {
    const props = node.properties ?? {};
    for (const [key, child] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const required = node.required?.includes(key) ? 'yes' : '';
      const desc = (child.description ?? '').replace(/\|/g, '\\|');
      rows.push(`| \`${path}\` | ${typeOf(child)} | ${required} | ${bounds(child)} | ${desc} |`);
      if (child.properties) walk(child, path);
      if (child.items?.properties) walk(child.items, `${path}[]`);
      if (typeof child.additionalProperties === 'object' && child.additionalProperties.properties) {
        walk(child.additionalProperties, `${path}.<${key === 'functions' ? 'name' : key === 'routes' || key === 'throttle' ? 'route key' : 'key'}>`);
      }
    }
  };
  walk(projectSchema as unknown as SchemaNode, '');
  return rows.join('\n');
}
