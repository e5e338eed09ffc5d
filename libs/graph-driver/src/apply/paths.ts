import { GraphDriverError } from '../errors.js';

/**
 * A tar entry name as a clean relative path ('' for the root). `/`, `./` and `.` are
 * dropped, `a/../b` becomes `b`; a name that climbs above the root (`../x`, `a/../../x`)
 * is a path escape. Absolute names are taken relative to the root, as tar does.
 */
export function cleanEntryPath(name: string, what = 'entry'): string {
  if (isClean(name)) return name.charCodeAt(name.length - 1) === SLASH ? name.slice(0, -1) : name;
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

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * True for a name that cleaning leaves as it is, bar one trailing slash: relative, no NUL,
 * no empty, `.` or `..` component. Nearly every entry of a layer is one; checking in one
 * pass saves the split and join.
 */
function isClean(name: string): boolean {
  const n = name.length;
  if (n === 0 || name.charCodeAt(0) === SLASH) return false;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? name.charCodeAt(i) : SLASH;
    if (c === 0) return false;
    if (c !== SLASH) continue;
    const len = i - start;
    // An empty component is only fine as what follows one trailing slash.
    if (len === 0 && i < n) return false;
    if (name.charCodeAt(start) === DOT && (len === 1 || (len === 2 && name.charCodeAt(start + 1) === DOT))) {
      return false;
    }
    start = i + 1;
  }
  return true;
}

export const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

export const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
