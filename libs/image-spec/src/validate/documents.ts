import { z } from 'zod';
import { MediaType } from '../media-types.js';
import type { ContainerConfig, ImageConfig } from '../types/image-config.js';
import type { ImageIndex } from '../types/image-index.js';
import type { ImageManifest } from '../types/manifest.js';
import { descriptorField, digestField, mediaTypeField, stringList, stringMap } from './fields.js';

// Document schemas. Objects are "loose": unknown fields are kept, as the spec requires
// consumers to ignore (not drop) what they don't understand.

const schemaVersion2 = z.literal(2, { error: 'must be 2' });

export const manifestSchema = z
  .looseObject({
    schemaVersion: schemaVersion2,
    mediaType: mediaTypeField.optional(),
    artifactType: mediaTypeField.optional(),
    config: descriptorField,
    layers: z.array(descriptorField, { error: 'must be an array of descriptors' }),
    subject: descriptorField.optional(),
    annotations: stringMap.optional(),
  })
  .check((ctx) => {
    // The OCI schema wants at least one layer; Docker writes layer-less images
    // (FROM scratch plus metadata), so an empty list is accepted for schema2 only.
    if (ctx.value.layers.length === 0 && ctx.value.mediaType !== MediaType.DockerManifest) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value.layers,
        path: ['layers'],
        message: 'must list at least one layer',
      });
    }
  }) as unknown as z.ZodType<ImageManifest>;

export const indexSchema = z.looseObject({
  schemaVersion: schemaVersion2,
  mediaType: mediaTypeField.optional(),
  artifactType: mediaTypeField.optional(),
  manifests: z.array(descriptorField, { error: 'must be an array of descriptors' }),
  subject: descriptorField.optional(),
  annotations: stringMap.optional(),
}) as unknown as z.ZodType<ImageIndex>;

const emptyObjectMap = z.record(z.string(), z.looseObject({}), { error: 'must be an object of objects' });
const argv = stringList.nullable();

const containerConfig = z.looseObject({
  User: z.string({ error: 'must be a string' }).optional(),
  ExposedPorts: emptyObjectMap.nullable().optional(),
  Env: stringList.nullable().optional(),
  Entrypoint: argv.optional(),
  Cmd: argv.optional(),
  Volumes: emptyObjectMap.nullable().optional(),
  WorkingDir: z.string({ error: 'must be a string' }).optional(),
  Labels: stringMap.nullable().optional(),
  StopSignal: z.string({ error: 'must be a string' }).optional(),
  ArgsEscaped: z.boolean({ error: 'must be a boolean' }).optional(),
}) as unknown as z.ZodType<ContainerConfig>;

const rfc3339 = z
  .string({ error: 'must be an RFC 3339 date-time string' })
  .refine((s) => !Number.isNaN(Date.parse(s)), {
    error: (i) => `not an RFC 3339 date-time: ${JSON.stringify(i.input)}`,
  });

export const imageConfigSchema = z.looseObject({
  created: rfc3339.optional(),
  author: z.string({ error: 'must be a string' }).optional(),
  architecture: z.string({ error: 'is required and must be a string' }),
  os: z.string({ error: 'is required and must be a string' }),
  'os.version': z.string().optional(),
  'os.features': stringList.optional(),
  variant: z.string().optional(),
  config: containerConfig.nullable().optional(),
  rootfs: z.looseObject(
    {
      type: z.literal('layers', { error: 'must be "layers"' }),
      diff_ids: z.array(digestField, { error: 'must be an array of digests' }),
    },
    { error: 'is required' },
  ),
  history: z
    .array(
      z.looseObject({
        created: rfc3339.optional(),
        created_by: z.string().optional(),
        author: z.string().optional(),
        comment: z.string().optional(),
        empty_layer: z.boolean({ error: 'must be a boolean' }).optional(),
      }),
      { error: 'must be an array' },
    )
    .optional(),
}) as unknown as z.ZodType<ImageConfig>;
