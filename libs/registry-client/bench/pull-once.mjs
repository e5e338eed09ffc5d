// One Berth pull in its own process, so its peak RSS is its own: prints {ms, maxRssKiB} as JSON.
import { OciLayout } from '@berth/image-spec';
import { RegistryClient } from '@berth/registry-client';

const [reference, dir] = process.argv.slice(2);
const client = new RegistryClient({ concurrency: Number(process.env.BENCH_CONCURRENCY ?? 3) });
const layout = await OciLayout.init(dir);
const start = process.hrtime.bigint();
await client.pull(reference, { into: layout });
const ms = Number(process.hrtime.bigint() - start) / 1e6;
await client.close();
console.log(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }));
