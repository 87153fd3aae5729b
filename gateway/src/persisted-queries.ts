/**
 * Persisted queries: Apollo's automatic persisted queries (APQ) for first-party clients, and a
 * safelist (Apollo's persisted query manifest) that integrators authenticated by API key must use.
 *
 * One extension carries both, as in Apollo Router: `extensions.persistedQuery = { version: 1,
 * sha256Hash }`. The hash of a safelisted operation is its manifest id (sha256 hex of its body).
 *
 *  caller        | body | id  | result
 *  --------------+------+-----+----------------------------------------------------------------
 *  API key       | yes  | yes | CANNOT_SEND_PQ_ID_AND_BODY
 *  API key       | yes  | no  | PERSISTED_QUERY_ID_REQUIRED
 *  API key       | no   | yes | the listed body, else PERSISTED_QUERY_NOT_IN_LIST
 *  first party   | yes  | no  | the body (freeform GraphQL)
 *  first party   | yes  | yes | APQ registration: sha256(body) must equal the id, else
 *                |      |     | PERSISTED_QUERY_HASH_MISMATCH; stored once the operation validates
 *  first party   | no   | yes | the listed body, else the APQ cache, else PERSISTED_QUERY_NOT_FOUND
 *
 * APQ is a bandwidth feature, not a security one: any first-party caller may register any valid
 * operation, and API-key callers never read the APQ cache.
 *
 * First-party clients' documents (the console's `schema/persisted-documents.<client>.json`, written
 * by codegen's client preset) are a second list: first-party callers may run them by id (the
 * console sends nothing else), API-key callers may not (their safelist stays the integrators' one).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { localizedMessage, type Locale } from './i18n';

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedQueryManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  operations: ManifestOperation[];
}

export const sha256Hex = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/** `PERSISTED_QUERIES_FILE`, else `schema/persisted-queries.json` at the repository root. */
export function manifestPathFromEnv(env: NodeJS.ProcessEnv = process.env): { file: string; explicit: boolean } {
  const configured = env.PERSISTED_QUERIES_FILE;
  if (configured) return { file: path.resolve(configured), explicit: true };
  return { file: path.resolve(__dirname, '..', '..', 'schema', 'persisted-queries.json'), explicit: false };
}

/**
 * Checks a manifest: format and version, unique ids, every id the sha256 hex of its body, every body
 * a parseable document whose operation has the declared type and name. Throws one error listing all
 * problems.
 */
export function validateManifest(raw: unknown, source = 'manifest'): Map<string, ManifestOperation> {
  const problems: string[] = [];
  const byId = new Map<string, ManifestOperation>();
  const m = raw as Partial<PersistedQueryManifest> | null;
  if (!m || typeof m !== 'object') throw new Error(`${source}: not a JSON object`);
  if (m.format !== MANIFEST_FORMAT) problems.push(`format must be "${MANIFEST_FORMAT}"`);
  if (m.version !== 1) problems.push('version must be 1');
  if (!Array.isArray(m.operations)) problems.push('operations must be an array');
  for (const [i, op] of (Array.isArray(m.operations) ? m.operations : []).entries()) {
    const where = `operations[${i}]${op && typeof op.name === 'string' ? ` (${op.name})` : ''}`;
    if (!op || typeof op.id !== 'string' || typeof op.body !== 'string' || typeof op.name !== 'string' || typeof op.type !== 'string') {
      problems.push(`${where}: id, name, type and body must be strings`);
      continue;
    }
    if (op.id !== sha256Hex(op.body)) problems.push(`${where}: id is not the sha256 hex of the body (expected ${sha256Hex(op.body)})`);
    if (byId.has(op.id)) problems.push(`${where}: duplicate id ${op.id}`);
    let operations: OperationDefinitionNode[] = [];
    try {
      operations = parse(op.body, { noLocation: true }).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    } catch (e) {
      problems.push(`${where}: body does not parse: ${(e as Error).message}`);
      continue;
    }
    if (operations.length !== 1) problems.push(`${where}: body must hold exactly one operation (found ${operations.length})`);
    else {
      if (operations[0]!.operation !== op.type) problems.push(`${where}: type is "${op.type}" but the body is a ${operations[0]!.operation}`);
      if ((operations[0]!.name?.value ?? '') !== op.name) problems.push(`${where}: name "${op.name}" differs from the operation name "${operations[0]!.name?.value ?? ''}"`);
    }
    byId.set(op.id, { id: op.id, name: op.name, type: op.type, body: op.body });
  }
  if (problems.length) throw new Error(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  return byId;
}

/** `schema/persisted-documents.<client>.json` files (first-party clients' documents) in a folder. */
export function clientManifestFiles(dir = path.resolve(__dirname, '..', '..', 'schema')): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^persisted-documents\.[a-z0-9-]+\.json$/.test(f)).sort().map((f) => path.join(dir, f));
}

/** The operations of several manifests in one map (an id listed twice must have the same body). */
export function mergeManifests(maps: Map<string, ManifestOperation>[]): Map<string, ManifestOperation> {
  const merged = new Map<string, ManifestOperation>();
  for (const map of maps) for (const [id, op] of map) merged.set(id, op);
  return merged;
}

export function loadManifest(file: string): Map<string, ManifestOperation> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`persisted query manifest ${file} could not be read: ${(e as Error).message}`);
  }
  return validateManifest(raw, file);
}

/** Least-recently-used map bounded by entry count and by total characters stored. */
export class LruCache {
  private readonly map = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxEntries: number, private readonly maxChars: number) {}

  get(key: string): string | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: string): void {
    if (value.length > this.maxChars) return;
    const previous = this.map.get(key);
    if (previous !== undefined) {
      this.map.delete(key);
      this.chars -= previous.length;
    }
    this.map.set(key, value);
    this.chars += value.length;
    while (this.map.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.chars -= this.map.get(oldest.value)!.length;
      this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

export type PersistedQueryErrorCode =
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'PERSISTED_QUERY_ID_REQUIRED'
  | 'CANNOT_SEND_PQ_ID_AND_BODY'
  | 'BAD_REQUEST';

const MESSAGES: Record<PersistedQueryErrorCode, string> = {
  PERSISTED_QUERY_NOT_FOUND: 'PersistedQueryNotFound',
  PERSISTED_QUERY_HASH_MISMATCH: 'provided sha does not match query',
  PERSISTED_QUERY_NOT_IN_LIST: 'Persisted query not found in the persisted query list',
  PERSISTED_QUERY_ID_REQUIRED: 'This endpoint does not allow freeform GraphQL requests; operations must be sent by ID in the persisted queries GraphQL extension.',
  CANNOT_SEND_PQ_ID_AND_BODY: 'Sending a persisted query ID and a body in the same request is disallowed',
  BAD_REQUEST: 'Unsupported persisted query extension: expected { version: 1, sha256Hash: <hex string> }',
};

export function persistedQueryError(code: PersistedQueryErrorCode, id?: string, locale: Locale = 'en'): GraphQLError {
  // PERSISTED_QUERY_NOT_FOUND is HTTP 200 and uncacheable, as in Apollo Server and Router: APQ
  // clients retry with the body. Everything else is a bad request.
  const http = code === 'PERSISTED_QUERY_NOT_FOUND'
    ? { status: 200, headers: new HeaderMap([['cache-control', 'private, no-cache, must-revalidate']]) }
    : { status: 400 };
  const english = code === 'PERSISTED_QUERY_NOT_IN_LIST' && id ? `Persisted query '${id}' not found in the persisted query list` : MESSAGES[code];
  const message = localizedMessage(locale, code, english, { id }, code === 'BAD_REQUEST' ? 'persistedQuery' : undefined);
  return new GraphQLError(message, { extensions: { code, http } });
}

export interface PersistedQueryRequest {
  query?: string;
  extensions?: Record<string, unknown>;
}

export type PersistedQueryResolution =
  /** No persisted-query extension and a body (or nothing at all): nothing to do. */
  | { kind: 'freeform' }
  /** Use `query`; `register` is set for an APQ registration to store once the operation validates. */
  | { kind: 'resolved'; query: string; from: 'manifest' | 'apq' | 'registration'; register?: string }
  | { kind: 'refused'; error: GraphQLError; code: PersistedQueryErrorCode };

export interface PersistedQueriesOptions {
  /** Safelist, by id. */
  manifest: Map<string, ManifestOperation>;
  /** First-party clients' persisted documents, by id: runnable by id for first-party callers only. */
  clientDocuments?: Map<string, ManifestOperation>;
  apqMaxEntries?: number;
  apqMaxChars?: number;
}

export class PersistedQueries {
  readonly manifest: Map<string, ManifestOperation>;
  readonly clientDocuments: Map<string, ManifestOperation>;
  readonly apq: LruCache;

  constructor(options: PersistedQueriesOptions) {
    this.manifest = options.manifest;
    this.clientDocuments = options.clientDocuments ?? new Map();
    this.apq = new LruCache(options.apqMaxEntries ?? 10_000, options.apqMaxChars ?? 32 * 1024 * 1024);
  }

  /** `locale`: the language of a refusal's message (its code is the same in every language). */
  resolve(request: PersistedQueryRequest, apiKeyCaller: boolean, locale: Locale = 'en'): PersistedQueryResolution {
    const ext = request.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
    const hasBody = typeof request.query === 'string' && request.query.length > 0;
    const refuse = (code: PersistedQueryErrorCode, id?: string): PersistedQueryResolution => ({ kind: 'refused', code, error: persistedQueryError(code, id, locale) });
    if (ext === undefined || ext === null) {
      if (apiKeyCaller && hasBody) return refuse('PERSISTED_QUERY_ID_REQUIRED');
      return { kind: 'freeform' };
    }
    if (typeof ext !== 'object' || ext.version !== 1 || typeof ext.sha256Hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(ext.sha256Hash)) {
      return refuse('BAD_REQUEST');
    }
    const id = ext.sha256Hash.toLowerCase();
    if (apiKeyCaller) {
      if (hasBody) return refuse('CANNOT_SEND_PQ_ID_AND_BODY');
      const listed = this.manifest.get(id);
      return listed ? { kind: 'resolved', query: listed.body, from: 'manifest' } : refuse('PERSISTED_QUERY_NOT_IN_LIST', id);
    }
    if (hasBody) {
      if (sha256Hex(request.query!) !== id) return refuse('PERSISTED_QUERY_HASH_MISMATCH');
      return { kind: 'resolved', query: request.query!, from: 'registration', ...(!this.manifest.has(id) && !this.clientDocuments.has(id) && { register: id }) };
    }
    const listed = this.manifest.get(id) ?? this.clientDocuments.get(id);
    if (listed) return { kind: 'resolved', query: listed.body, from: 'manifest' };
    const stored = this.apq.get(id);
    return stored ? { kind: 'resolved', query: stored, from: 'apq' } : refuse('PERSISTED_QUERY_NOT_FOUND');
  }
}
