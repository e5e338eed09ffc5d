import type { Reference } from '@berth/image-spec';
import { CliError } from '../errors.js';

// Loaded only by the commands that name images: image-spec brings its validators, which would
// otherwise be compiled on every start of the CLI.
const imageSpec = () => import('@berth/image-spec');

/** An image reference as the user wrote it, validated and normalised (`busybox` → docker.io/library/busybox). */
export async function imageReference(text: string): Promise<Reference> {
  const { parseReference } = await imageSpec();
  try {
    return parseReference(text);
  } catch (err) {
    throw new CliError(`invalid reference format: ${(err as Error).message}`);
  }
}

/** `busybox` → `busybox:latest`, as docker names images it pulls and runs. */
export async function familiarWithTag(text: string): Promise<string> {
  const { withDefaultTag } = await imageSpec();
  return withDefaultTag(await imageReference(text)).familiarString();
}

/** Splits `repo[:tag|@digest]` for the API's `fromImage` + `tag` parameters (tag defaults to latest). */
export async function repositoryAndTag(
  text: string,
  defaultTag = 'latest',
): Promise<{ repository: string; tag?: string }> {
  const ref = await imageReference(text);
  const tag = ref.digest ?? ref.tag ?? (defaultTag || undefined);
  return tag ? { repository: ref.familiarName, tag } : { repository: ref.familiarName };
}
