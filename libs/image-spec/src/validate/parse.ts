import { match, P } from 'ts-pattern';
import type { z } from 'zod';
import { ImageSpecError, type ImageSpecErrorCode } from '../errors.js';
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from '../media-types.js';
import type { Descriptor } from '../types/descriptor.js';
import type { ImageConfig } from '../types/image-config.js';
import type { ImageIndex } from '../types/image-index.js';
import type { ImageManifest } from '../types/manifest.js';
import { imageConfigSchema, indexSchema, manifestSchema } from './documents.js';
import { descriptorField } from './fields.js';
import { formatJsonPath } from './json-path.js';

/** What the parse functions accept: raw bytes, JSON text, or an already-decoded value. */
export type DocumentInput = string | Uint8Array | unknown;

/** Decodes JSON from untrusted input; anything but a JSON object is refused. */
function decode(input: DocumentInput, code: ImageSpecErrorCode, what: string): Record<string, unknown> {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      value = JSON.parse(
        typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input),
      );
    } catch (err) {
      throw new ImageSpecError(code, `${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImageSpecError(code, `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function validate<T>(schema: z.ZodType<T>, value: unknown, code: ImageSpecErrorCode, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = formatJsonPath(issue.path) || undefined;
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new ImageSpecError(code, field ? message : `${what}: ${message}`, { field });
}

function refuseSchema1(doc: Record<string, unknown>, what: string): void {
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (doc.schemaVersion === 1 || (mediaType !== 'application/json' && isSchema1MediaType(mediaType))) {
    throw new ImageSpecError(
      'ERR_SCHEMA1_UNSUPPORTED',
      `${what} is a Docker schema1 manifest, which is deprecated and not supported; push the image again with a current client to get a schema2 or OCI manifest`,
    );
  }
}

/** Parses and validates an image manifest (OCI or Docker schema2). */
export function parseManifest(input: DocumentInput): ImageManifest {
  const doc = decode(input, 'ERR_MANIFEST_INVALID', 'manifest');
  refuseSchema1(doc, 'manifest');
  if (
    isIndexMediaType(doc.mediaType as string) ||
    (doc.mediaType === undefined && 'manifests' in doc && !('config' in doc))
  ) {
    throw new ImageSpecError('ERR_MANIFEST_INVALID', 'is an image index, not an image manifest', {
      field: 'mediaType',
    });
  }
  if (
    doc.mediaType !== undefined &&
    typeof doc.mediaType === 'string' &&
    !isManifestMediaType(doc.mediaType)
  ) {
    throw new ImageSpecError(
      'ERR_MANIFEST_INVALID',
      `unsupported manifest media type ${JSON.stringify(doc.mediaType)}`,
      {
        field: 'mediaType',
      },
    );
  }
  return validate(manifestSchema, doc, 'ERR_MANIFEST_INVALID', 'manifest');
}

/** Parses and validates an image index (OCI index or Docker manifest list). */
export function parseIndex(input: DocumentInput): ImageIndex {
  const doc = decode(input, 'ERR_INDEX_INVALID', 'image index');
  refuseSchema1(doc, 'image index');
  if (isManifestMediaType(doc.mediaType as string) || (doc.mediaType === undefined && 'config' in doc)) {
    throw new ImageSpecError('ERR_INDEX_INVALID', 'is an image manifest, not an image index', {
      field: 'mediaType',
    });
  }
  if (doc.mediaType !== undefined && typeof doc.mediaType === 'string' && !isIndexMediaType(doc.mediaType)) {
    throw new ImageSpecError(
      'ERR_INDEX_INVALID',
      `unsupported index media type ${JSON.stringify(doc.mediaType)}`,
      {
        field: 'mediaType',
      },
    );
  }
  return validate(indexSchema, doc, 'ERR_INDEX_INVALID', 'image index');
}

/** Parses and validates an image config (OCI or Docker image JSON). */
export function parseImageConfig(input: DocumentInput): ImageConfig {
  return validate(
    imageConfigSchema,
    decode(input, 'ERR_CONFIG_INVALID', 'image config'),
    'ERR_CONFIG_INVALID',
    'image config',
  );
}

/** Parses and validates a content descriptor. */
export function parseDescriptor(input: DocumentInput): Descriptor {
  return validate(
    descriptorField,
    decode(input, 'ERR_DESCRIPTOR_INVALID', 'descriptor'),
    'ERR_DESCRIPTOR_INVALID',
    'descriptor',
  );
}

export type ManifestDocument =
  | { kind: 'manifest'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex };

/**
 * Parses a document that may be either a manifest or an index, as a registry serves them:
 * the media type (from the document or the Content-Type) decides, and without one the shape does.
 */
export function parseManifestOrIndex(input: DocumentInput, contentType?: string): ManifestDocument {
  const doc = decode(input, 'ERR_MANIFEST_INVALID', 'manifest');
  refuseSchema1(doc, 'manifest');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  return match(declared)
    .with(MediaType.ImageIndex, MediaType.DockerManifestList, () => ({
      kind: 'index' as const,
      index: parseIndex(doc),
    }))
    .with(MediaType.ImageManifest, MediaType.DockerManifest, () => ({
      kind: 'manifest' as const,
      manifest: parseManifest(doc),
    }))
    .with(P.union(undefined, 'application/json', 'application/octet-stream'), () =>
      'manifests' in doc
        ? { kind: 'index' as const, index: parseIndex(doc) }
        : { kind: 'manifest' as const, manifest: parseManifest(doc) },
    )
    .otherwise((m) => {
      throw new ImageSpecError(
        'ERR_MEDIA_TYPE_UNSUPPORTED',
        `unsupported manifest media type ${JSON.stringify(m)}`,
      );
    });
}
