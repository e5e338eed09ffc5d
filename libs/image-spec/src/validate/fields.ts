import { z } from 'zod';
import { digestOf, parseDigest } from '../digest/digest.js';
import type { Descriptor, Digest } from '../types/descriptor.js';
import type { Platform } from '../types/platform.js';

// Field-level schemas shared by every document. Messages are written for people: they
// end up after the JSON path in the error ("layers[2].digest: not a valid sha256 digest").

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export const mediaTypeField = z
  .string({ error: 'must be a media type string' })
  .regex(MEDIA_TYPE, { error: (i) => `not a valid media type: ${JSON.stringify(i.input)}` });

export const digestField = z.string({ error: 'must be a digest string' }).check((ctx) => {
  try {
    parseDigest(ctx.value);
  } catch (err) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: (err as Error).message });
  }
}) as unknown as z.ZodType<Digest>;

export const sizeField = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be an integer' })
  .nonnegative({ error: 'must not be negative' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' });

export const stringMap = z.record(z.string(), z.string({ error: 'annotation values must be strings' }));

export const stringList = z.array(z.string({ error: 'must be a string' }), {
  error: 'must be an array of strings',
});

export const platformField: z.ZodType<Platform> = z.looseObject({
  architecture: z.string({ error: 'is required and must be a string' }),
  os: z.string({ error: 'is required and must be a string' }),
  'os.version': z.string().optional(),
  'os.features': stringList.optional(),
  variant: z.string().optional(),
  features: stringList.optional(),
});

const urlField = z.string({ error: 'must be a string' }).refine((u) => URL.canParse(u), {
  error: (i) => `not a valid URL: ${JSON.stringify(i.input)}`,
});

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const descriptorField: z.ZodType<Descriptor> = z
  .looseObject({
    mediaType: mediaTypeField,
    digest: digestField,
    size: sizeField,
    urls: z.array(urlField, { error: 'must be an array of URLs' }).optional(),
    annotations: stringMap.optional(),
    data: z
      .string({ error: 'must be a base64 string' })
      .regex(base64, { error: 'not valid base64' })
      .optional(),
    platform: platformField.optional(),
    artifactType: mediaTypeField.optional(),
  })
  .check((ctx) => {
    // Embedded data is content like any other: it must be what digest and size say.
    const { data, digest, size } = ctx.value;
    if (data === undefined) return;
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length !== size) {
      ctx.issues.push({
        code: 'custom',
        input: data,
        path: ['data'],
        message: `holds ${bytes.length} bytes, size says ${size}`,
      });
      return;
    }
    if (digestOf(bytes, parseDigest(digest).algorithm) !== digest) {
      ctx.issues.push({
        code: 'custom',
        input: data,
        path: ['data'],
        message: `does not match digest ${digest}`,
      });
    }
  }) as unknown as z.ZodType<Descriptor>;
