import { describe, expect, it } from 'vitest';
import {
  digestOf,
  isImageSpecError,
  MediaType,
  parseDescriptor,
  parseImageConfig,
  parseIndex,
  parseManifest,
  parseManifestOrIndex,
} from '../src/index.js';
import { imageSpecExamples } from './spec-files.js';

const examples = imageSpecExamples();
const D = (c: string) => `sha256:${c.repeat(64)}`;

function parserFor(mediaType: string) {
  switch (mediaType) {
    case MediaType.ImageManifest:
      return parseManifest;
    case MediaType.ImageIndex:
      return parseIndex;
    case MediaType.ImageConfig:
      return parseImageConfig;
    case MediaType.Descriptor:
      return parseDescriptor;
    default:
      return undefined;
  }
}

function expectCode(fn: () => unknown, code: string, field?: string) {
  try {
    fn();
  } catch (err) {
    expect(isImageSpecError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    if (field !== undefined) expect((err as { field?: string }).field).toBe(field);
    return err as Error;
  }
  throw new Error('expected an error');
}

const validManifest = {
  schemaVersion: 2,
  mediaType: MediaType.ImageManifest,
  config: { mediaType: MediaType.ImageConfig, digest: D('a'), size: 7023 },
  layers: [
    { mediaType: MediaType.LayerGzip, digest: D('b'), size: 32654 },
    { mediaType: MediaType.LayerGzip, digest: D('c'), size: 16724 },
  ],
  annotations: { 'com.example.key1': 'value1' },
};

describe('the OCI spec examples', () => {
  it('finds the tagged examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(13);
  });

  for (const ex of examples) {
    const parse = parserFor(ex.mediaType);
    if (!parse) continue;
    it(`${ex.file}: ${ex.title} parses`, () => {
      const value = parse(ex.json) as unknown as Record<string, unknown>;
      // Unknown fields survive, known ones keep their values.
      expect(value).toEqual(JSON.parse(ex.json));
    });
  }
});

describe('parseManifest', () => {
  it('accepts bytes, text and objects alike', () => {
    const text = JSON.stringify(validManifest);
    expect(parseManifest(text)).toEqual(validManifest);
    expect(parseManifest(new TextEncoder().encode(text))).toEqual(validManifest);
    expect(parseManifest(validManifest)).toEqual(validManifest);
  });

  it('accepts Docker schema2 manifests, including layer-less ones', () => {
    const docker = { ...validManifest, mediaType: MediaType.DockerManifest, annotations: undefined };
    expect(parseManifest(docker).mediaType).toBe(MediaType.DockerManifest);
    expect(parseManifest({ ...docker, layers: [] }).layers).toEqual([]);
  });

  it('names the bad field with its JSON path', () => {
    const bad = structuredClone(validManifest);
    bad.layers[1]!.digest = 'sha256:1234';
    const err = expectCode(() => parseManifest(bad), 'ERR_MANIFEST_INVALID', 'layers[1].digest');
    expect(err.message).toMatch(/^layers\[1\]\.digest: not a valid sha256 digest/);
  });

  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    [
      'a config media type that is not a media type',
      (m) => {
        m.config.mediaType = 'invalid';
      },
      'config.mediaType',
    ],
    [
      'a negative size',
      (m) => {
        m.layers[0].size = -1;
      },
      'layers[0].size',
    ],
    [
      'a fractional size',
      (m) => {
        m.layers[0].size = 1.5;
      },
      'layers[0].size',
    ],
    [
      'a size given as a string',
      (m) => {
        m.layers[0].size = '12';
      },
      'layers[0].size',
    ],
    [
      'an unknown digest algorithm',
      (m) => {
        m.config.digest = `md5:${'a'.repeat(32)}`;
      },
      'config.digest',
    ],
    [
      'upper-case hex',
      (m) => {
        m.config.digest = `sha256:${'A'.repeat(64)}`;
      },
      'config.digest',
    ],
    ['a missing config', (m) => delete m.config, 'config'],
    [
      'layers that are not an array',
      (m) => {
        m.layers = {};
      },
      'layers',
    ],
    [
      'no layers in an OCI manifest',
      (m) => {
        m.layers = [];
      },
      'layers',
    ],
    [
      'schemaVersion 3',
      (m) => {
        m.schemaVersion = 3;
      },
      'schemaVersion',
    ],
    ['a missing schemaVersion', (m) => delete m.schemaVersion, 'schemaVersion'],
    [
      'a non-string annotation',
      (m) => {
        m.annotations = { a: 1 };
      },
      'annotations.a',
    ],
    [
      'a bad URL',
      (m) => {
        m.layers[0].urls = ['not a url'];
      },
      'layers[0].urls[0]',
    ],
    [
      'embedded data that does not match the digest',
      (m) => {
        m.config.data = 'e30=';
      },
      'config.data',
    ],
    [
      'an index media type',
      (m) => {
        m.mediaType = MediaType.ImageIndex;
      },
      'mediaType',
    ],
    [
      'an unknown media type',
      (m) => {
        m.mediaType = 'application/vnd.example+json';
      },
      'mediaType',
    ],
  ];
  for (const [what, mutate, field] of cases) {
    it(`refuses ${what}`, () => {
      const bad = structuredClone(validManifest) as Record<string, any>;
      mutate(bad);
      expectCode(() => parseManifest(bad), 'ERR_MANIFEST_INVALID', field);
    });
  }

  it('accepts embedded data that matches', () => {
    const data = Buffer.from('{}');
    const m = structuredClone(validManifest) as Record<string, any>;
    m.config = { mediaType: MediaType.Empty, digest: digestOf(data), size: 2, data: data.toString('base64') };
    expect(parseManifest(m).config.data).toBe('e30=');
  });

  it('refuses what is not JSON or not an object', () => {
    expectCode(() => parseManifest('{"schemaVersion": 2,'), 'ERR_MANIFEST_INVALID');
    expectCode(() => parseManifest('[]'), 'ERR_MANIFEST_INVALID');
    expectCode(() => parseManifest('null'), 'ERR_MANIFEST_INVALID');
    expectCode(() => parseManifest(new Uint8Array([0xff, 0xfe, 0x7b])), 'ERR_MANIFEST_INVALID');
  });

  it('refuses Docker schema1 with its own code', () => {
    const schema1 = {
      schemaVersion: 1,
      name: 'library/busybox',
      tag: 'latest',
      architecture: 'amd64',
      fsLayers: [],
    };
    const err = expectCode(() => parseManifest(schema1), 'ERR_SCHEMA1_UNSUPPORTED');
    expect(err.message).toMatch(/schema1/);
    expectCode(
      () => parseManifest({ ...validManifest, mediaType: MediaType.DockerSchema1SignedManifest }),
      'ERR_SCHEMA1_UNSUPPORTED',
    );
    expectCode(
      () => parseManifestOrIndex(JSON.stringify(schema1), MediaType.DockerSchema1SignedManifest),
      'ERR_SCHEMA1_UNSUPPORTED',
    );
  });
});

describe('parseIndex', () => {
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifestList,
    manifests: [
      {
        mediaType: MediaType.DockerManifest,
        digest: D('1'),
        size: 528,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: MediaType.DockerManifest,
        digest: D('2'),
        size: 528,
        platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
      },
    ],
  };
  it('accepts a Docker manifest list', () => {
    expect(parseIndex(index).manifests).toHaveLength(2);
  });
  it('refuses a platform without an os', () => {
    const bad = structuredClone(index) as Record<string, any>;
    delete bad.manifests[1].platform.os;
    expectCode(() => parseIndex(bad), 'ERR_INDEX_INVALID', 'manifests[1].platform.os');
  });
  it('refuses a manifest given as an index', () => {
    expectCode(() => parseIndex(validManifest), 'ERR_INDEX_INVALID', 'mediaType');
  });
  it('refuses manifests that are not a list', () => {
    expectCode(() => parseIndex({ schemaVersion: 2, manifests: null }), 'ERR_INDEX_INVALID', 'manifests');
  });
});

describe('parseManifestOrIndex', () => {
  it('tells them apart by media type, Content-Type or shape', () => {
    expect(parseManifestOrIndex(JSON.stringify(validManifest)).kind).toBe('manifest');
    const { mediaType: _m, ...bare } = validManifest;
    expect(parseManifestOrIndex(JSON.stringify(bare), MediaType.ImageManifest).kind).toBe('manifest');
    expect(parseManifestOrIndex(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind).toBe('index');
    expectCode(() => parseManifestOrIndex(JSON.stringify(bare), 'text/html'), 'ERR_MEDIA_TYPE_UNSUPPORTED');
  });
});

describe('parseImageConfig', () => {
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/bin'],
      Cmd: ['sh'],
      Entrypoint: null,
      ExposedPorts: { '80/tcp': {} },
      Labels: { a: 'b' },
    },
    rootfs: { type: 'layers', diff_ids: [D('d')] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'x', empty_layer: false }],
  };
  it('accepts a Docker-style config', () => {
    expect(parseImageConfig(config).config?.Cmd).toEqual(['sh']);
  });
  it('refuses a bad diff ID, a missing os, a wrong rootfs type, Cmd as a string, a bad date', () => {
    const c = () => structuredClone(config) as Record<string, any>;
    const a = c();
    a.rootfs.diff_ids[0] = 'sha256:zz';
    expectCode(() => parseImageConfig(a), 'ERR_CONFIG_INVALID', 'rootfs.diff_ids[0]');
    const b = c();
    delete b.os;
    expectCode(() => parseImageConfig(b), 'ERR_CONFIG_INVALID', 'os');
    const d = c();
    d.rootfs.type = 'tar';
    expectCode(() => parseImageConfig(d), 'ERR_CONFIG_INVALID', 'rootfs.type');
    const e = c();
    e.config.Cmd = 'sh';
    expectCode(() => parseImageConfig(e), 'ERR_CONFIG_INVALID', 'config.Cmd');
    const f = c();
    f.history[0].created = 'yesterday';
    expectCode(() => parseImageConfig(f), 'ERR_CONFIG_INVALID', 'history[0].created');
    const g = c();
    delete g.rootfs;
    expectCode(() => parseImageConfig(g), 'ERR_CONFIG_INVALID', 'rootfs');
  });
});

describe('parseDescriptor', () => {
  it('accepts artifactType and platform, refuses a missing digest', () => {
    const d = {
      mediaType: MediaType.ImageManifest,
      digest: D('e'),
      size: 1,
      artifactType: 'application/vnd.example.sbom.v1',
    };
    expect(parseDescriptor(d).artifactType).toBe('application/vnd.example.sbom.v1');
    const { digest: _d, ...noDigest } = d;
    expectCode(() => parseDescriptor(noDigest), 'ERR_DESCRIPTOR_INVALID', 'digest');
  });
});
