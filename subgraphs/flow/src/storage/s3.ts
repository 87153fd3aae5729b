/**
 * S3-compatible storage (AWS S3, MinIO...) with @aws-sdk/client-s3: presigned PUT and GET URLs
 * (15 minutes) straight to the bucket, so the bytes never pass through the subgraph. The public side
 * declares the document's SHA-256 when it asks for the URL; the PUT URL signs `content-type`,
 * `content-length` and `x-amz-checksum-sha256` (not hoisted into the query), so the store refuses
 * other bytes, another type or another size. When the step is submitted, `confirm` reads the
 * object's size and checksum back (HeadObject with ChecksumMode ENABLED) and those are recorded.
 *
 * Configuration (app.ts): FLOW_STORAGE=s3, FLOW_S3_BUCKET, FLOW_S3_REGION (us-east-1),
 * FLOW_S3_ENDPOINT (MinIO etc.; path-style addressing), credentials from the AWS default chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY...), never from the database.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PresignedUpload, StorageAdapter, StoredObject } from './storage';

export const S3_URL_TTL_SECONDS = 15 * 60;

export interface S3StorageOptions {
  bucket: string;
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3Storage implements StorageAdapter {
  readonly name = 's3';
  readonly needsChecksum = true;
  private readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Only the checksum we ask for (SHA-256), no SDK-chosen CRC on presigned requests.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  async presignUpload(key: string, contentType: string, sizeBytes: number, _origin: string, sha256Hex?: string): Promise<PresignedUpload> {
    if (!sha256Hex) throw new Error('S3 uploads need the declared SHA-256');
    const checksum = Buffer.from(sha256Hex, 'hex').toString('base64');
    const command = new PutObjectCommand({ Bucket: this.options.bucket, Key: key, ContentType: contentType, ContentLength: sizeBytes, ChecksumSHA256: checksum });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: S3_URL_TTL_SECONDS,
      signableHeaders: new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    return { url, method: 'PUT', headers: { 'content-type': contentType, 'x-amz-checksum-sha256': checksum }, expiresAt: new Date(Date.now() + S3_URL_TTL_SECONDS * 1000).toISOString() };
  }

  async presignDownload(key: string): Promise<{ url: string; expiresAt: string }> {
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { expiresIn: S3_URL_TTL_SECONDS });
    return { url, expiresAt: new Date(Date.now() + S3_URL_TTL_SECONDS * 1000).toISOString() };
  }

  async confirm(key: string): Promise<StoredObject | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key, ChecksumMode: 'ENABLED' }));
      if (!head.ChecksumSHA256 || head.ContentLength === undefined) return null;
      return { sizeBytes: head.ContentLength, sha256: Buffer.from(head.ChecksumSHA256, 'base64').toString('hex') };
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as Error).name === 'NotFound') return null;
      throw e;
    }
  }
}
