// `npm run demo`: the image-spec library at work on the busybox image built from Debian's
// busybox-static. (When the engine lands, this runs a container instead.)
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxImage, busyboxRootfs } from '@berth/fixtures';
import {
  chainId,
  formatPlatform,
  hostPlatform,
  loadDockerArchive,
  OciLayout,
  parseReference,
  saveDockerArchive,
  withDefaultTag,
} from '@berth/image-spec';

const fixture = await busyboxImage();
const ref = parseReference('busybox');
console.log(`reference  ${ref.familiarString()} -> ${ref.toString()} -> ${withDefaultTag(ref).toString()}`);
console.log(`host       ${formatPlatform(hostPlatform())}`);

const layout = await OciLayout.open(fixture.layout);
const image = await layout.readImage('busybox:latest');
console.log(`layout     ${fixture.layout}`);
console.log(`manifest   ${image.descriptor.digest}`);
console.log(`platform   ${image.config.os}/${image.config.architecture}`);
console.log(`cmd        ${JSON.stringify(image.config.config?.Cmd)}`);
for (const layer of image.manifest.layers)
  console.log(`layer      ${layer.digest} ${layer.size} bytes ${layer.mediaType}`);
console.log(`chain ID   ${chainId(image.config.rootfs.diff_ids)}`);

const work = await mkdtemp(join(tmpdir(), 'berth-demo-'));
try {
  const archive = join(work, 'busybox.tar');
  await saveDockerArchive(layout, ['busybox:latest'], createWriteStream(archive));
  console.log(`saved      ${archive} (${(await stat(archive)).size} bytes, docker save format)`);
  const target = await OciLayout.init(join(work, 'loaded'));
  const [loaded] = await loadDockerArchive(createReadStream(archive), target);
  console.log(`loaded     ${loaded.names.join(', ')} ${loaded.descriptor.digest}`);
  const skopeo = JSON.parse(
    execFileSync('skopeo', ['inspect', `oci:${target.root}:latest`], { encoding: 'utf8' }),
  );
  console.log(`skopeo     sees ${skopeo.Layers.length} layer(s), ${skopeo.Os}/${skopeo.Architecture}`);
  const out = execFileSync(join(await busyboxRootfs(), 'bin', 'busybox'), ['echo', 'hello from busybox'], {
    encoding: 'utf8',
  });
  console.log(`busybox    ${out.trim()}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
