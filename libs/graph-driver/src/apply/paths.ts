import { GraphDriverError } from '../errors.js';

/**
 * A tar entry name as a clean relative path ('' for the root). `/`, `./` and `.` are
 * dropped, `a/../b` becomes `b`; a name that climbs above the root (`../x`, `a/../../x`)
 * is a path escape. Absolute names are taken relative to the root, as tar does.
 */
export function cleanEntryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) {
    throw new GraphDriverError('ERR_LAYER_INVALID', `${what} name contains a NUL byte`, { path: name });
  }
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) {
        throw new GraphDriverError(
          'ERR_LAYER_PATH_ESCAPE',
          `${what} ${JSON.stringify(name)} points outside the layer root`,
          { path: name },
        );
      }
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

export const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

export const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
