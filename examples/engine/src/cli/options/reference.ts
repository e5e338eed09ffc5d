import { parseReference, type Reference, withDefaultTag } from '@berth/image-spec';
import { CliError } from '../errors.js';

/** An image reference as the user wrote it, validated and normalised (`busybox` → docker.io/library/busybox). */
export function imageReference(text: string): Reference {
  try {
    return parseReference(text);
  } catch (err) {
    throw new CliError(`invalid reference format: ${(err as Error).message}`);
  }
}

/** `busybox` → `busybox:latest`, as docker names images it pulls and runs. */
export function familiarWithTag(text: string): string {
  return withDefaultTag(imageReference(text)).familiarString();
}

/** Splits `repo[:tag|@digest]` for the API's `fromImage` + `tag` parameters (tag defaults to latest). */
export function repositoryAndTag(text: string, defaultTag = 'latest'): { repository: string; tag?: string } {
  const ref = imageReference(text);
  const tag = ref.digest ?? ref.tag ?? (defaultTag || undefined);
  return tag ? { repository: ref.familiarName, tag } : { repository: ref.familiarName };
}
