import { badRequest } from '../api/api-error.js';
import { parseImageReference } from './docker-errors.js';

/** The `repo` and `tag` query parameters of commit and import, as the one tag they name. */
export function tagFromQuery(query: URLSearchParams): string | undefined {
  const repo = query.get('repo');
  if (!repo) {
    if (query.get('tag')) throw badRequest('tag without repo: a tag needs a repository name');
    return undefined;
  }
  const ref = parseImageReference(repo);
  if (ref.digest) throw badRequest('refusing to create a tag with a digest reference');
  return parseImageReference(`${ref.name}:${query.get('tag') || ref.tag || 'latest'}`).toString();
}
