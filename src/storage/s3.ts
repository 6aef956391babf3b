// S3-compatible storage (AWS S3, MinIO, Cloudflare R2, Backblaze B2…), chosen by setting S3_BUCKET.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { contentTypeOf, type Storage } from './index.js';

export interface S3Options {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Keys are stored under this prefix. */
  prefix: string;
  /** bucket in the path rather than the host name: what most S3-compatible servers want. */
  forcePathStyle: boolean;
}

export function createS3Storage(o: S3Options): Storage {
  const client = new S3Client({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle,
    ...(o.accessKeyId && o.secretAccessKey ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } } : {}),
    // Checksums only where S3 requires them: many S3-compatible servers reject the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const keyOf = (key: string) => {
    if (key.includes('..') || key.startsWith('/')) throw new Error(`invalid storage key: ${key}`);
    return o.prefix + key;
  };
  const missing = (err: unknown) => err instanceof NoSuchKey || (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey'));
  return {
    async put(key, data) {
      await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: keyOf(key), Body: data, ContentType: contentTypeOf(key) }));
    },
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: keyOf(key) }));
        return { data: Buffer.from(await r.Body!.transformToByteArray()), contentType: r.ContentType ?? contentTypeOf(key) };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: keyOf(key) }));
    },
  };
}
