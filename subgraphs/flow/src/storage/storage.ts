/**
 * The storage adapter of documents submitted to DOCUMENT steps: presigned-style upload and download
 * URLs that expire, the content's SHA-256 recorded. `LocalFileStorage` (local.ts) is the embedded
 * default, under the git-ignored state folder.
 */
export interface PresignedUpload { url: string; method: 'PUT'; headers: Record<string, string>; expiresAt: string }

export interface StoredObject { sizeBytes: number; sha256: string }

export interface StorageAdapter {
  readonly name: string;
  /** True when the public side must declare the SHA-256 when asking for an upload URL (the store verifies it). */
  readonly needsChecksum: boolean;
  /** A URL the public side PUTs the bytes to, valid until `expiresAt`, for exactly this content type and at most `maxBytes`. */
  presignUpload(key: string, contentType: string, maxBytes: number, origin: string, sha256Hex?: string): Promise<PresignedUpload>;
  /** A URL that GETs the object until it expires. */
  presignDownload(key: string, origin: string): Promise<{ url: string; expiresAt: string }>;
  /** For stores the bytes bypass the subgraph: the object's size and SHA-256 once uploaded, else null. */
  confirm?(key: string): Promise<StoredObject | null>;
}

/** Object keys are `<tenant id>/<file id>`: both UUIDs, so a key can never name a path outside the store. */
export const objectKey = (tenantId: string, fileId: string) => `${tenantId}/${fileId}`;
export const OBJECT_KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const UPLOAD_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const;
