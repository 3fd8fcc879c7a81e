/**
 * The REST resource tree as AWS's import builds it: every path of the document becomes a
 * resource, with the intermediate resources created on the way (`/pets/{petId}` → `/`,
 * `/pets`, `/pets/{petId}`), and CreateResource's rules enforced with AWS's own messages.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html
 */
import { createHash } from 'node:crypto';
import type { Method, Resource } from '../../model/index.ts';

// "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end
// and an optional plus sign before the closing brace." (CreateResource, recorded by moto/LocalStack).
const PATH_PART = /^(?:[A-Za-z0-9._-]+|\{[A-Za-z0-9._-]+\+?\})$/;
const PATH_PART_MESSAGE = "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.";

const isVariable = (part: string): boolean => part.startsWith('{');
const isGreedy = (part: string): boolean => part.endsWith('+}');

/** A stable resource id: 10 lowercase alphanumerics from the API id and the path (same on every load). */
export function deriveResourceId(apiId: string, path: string): string {
  const n = BigInt('0x' + createHash('sha256').update(`${apiId} ${path}`).digest('hex').slice(0, 16));
  return n.toString(36).padStart(10, '0').slice(-10);
}

/**
 * Splits a path template into path parts, checking each; throws an Error with AWS's message.
 * One trailing `/` is dropped (`/pets/` is the resource `/pets`), `/` is the root (no parts).
 */
export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`a path must start with "/", got "${path}"`);
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return [];
  const parts = trimmed.slice(1).split('/');
  for (const part of parts) {
    if (part === '') throw new Error(`empty path part in "${path}" (two slashes); ${PATH_PART_MESSAGE}`);
    if (!PATH_PART.test(part)) throw new Error(`${PATH_PART_MESSAGE} Got "${part}"`);
  }
  return parts;
}

/** A resource while it is being built; its methods are added by the loader. */
export interface ResourceNode {
  readonly id: string;
  readonly parentId?: string;
  readonly pathPart?: string;
  readonly path: string;
  readonly children: Map<string, ResourceNode>;
  readonly methods: Record<string, Method>;
}

/** The tree of one API, root first. */
export class ResourceTree {
  readonly root: ResourceNode;
  readonly #apiId: string;
  /** Every node in creation order: parents before children. */
  readonly #nodes: ResourceNode[] = [];

  constructor(apiId: string) {
    this.#apiId = apiId;
    this.root = { id: deriveResourceId(apiId, '/'), path: '/', children: new Map(), methods: {} };
    this.#nodes.push(this.root);
  }

  /**
   * The resource for `parts`, creating it and its missing ancestors. Throws an Error with
   * AWS's CreateResource message when a part cannot be created where it is.
   */
  ensure(parts: readonly string[]): ResourceNode {
    let node = this.root;
    for (const part of parts) {
      const existing = node.children.get(part);
      if (existing) {
        node = existing;
        continue;
      }
      if (node.pathPart !== undefined && isGreedy(node.pathPart)) {
        throw new Error(`Cannot create a child of a resource with a greedy path variable: ${node.pathPart}`);
      }
      if (isVariable(part)) {
        // Only one variable child per parent: the router could not choose between them.
        const sibling = [...node.children.keys()].find(isVariable);
        if (sibling !== undefined) throw new Error(`A sibling (${sibling}) of this resource already has a variable path part -- only one is allowed`);
      }
      const path = node.path === '/' ? `/${part}` : `${node.path}/${part}`;
      const child: ResourceNode = { id: deriveResourceId(this.#apiId, path), parentId: node.id, pathPart: part, path, children: new Map(), methods: {} };
      node.children.set(part, child);
      this.#nodes.push(child);
      node = child;
    }
    return node;
  }

  /** The model's resources: the root first, parents before children. */
  resources(): Resource[] {
    return this.#nodes.map((n) => ({
      id: n.id,
      ...(n.parentId !== undefined ? { parentId: n.parentId } : {}),
      ...(n.pathPart !== undefined ? { pathPart: n.pathPart } : {}),
      path: n.path,
      resourceMethods: { ...n.methods },
    }));
  }
}
