/** One challenge of a `WWW-Authenticate` header, e.g. `Bearer realm="…",service="…",scope="…"`. */
export interface AuthChallenge {
  /** Lower-case scheme: `bearer`, `basic`, … */
  scheme: string;
  /** Parameters with lower-case names. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACE = /[ \t]*/y;

/**
 * Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1) into its challenges. Several challenges may
 * share one header, separated by commas, as may their parameters; quoted strings may hold commas.
 * Malformed trailing input is ignored rather than thrown: the header comes from the network.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const skip = (re: RegExp) => {
    re.lastIndex = i;
    const m = re.exec(header);
    if (m) i += m[0].length;
    return m?.[0];
  };
  const skipSeparators = () => {
    for (;;) {
      skip(SPACE);
      if (header[i] !== ',') return;
      i++;
    }
  };
  let current: AuthChallenge | undefined;
  while (i < header.length) {
    skipSeparators();
    const start = i;
    const word = skip(TOKEN);
    if (!word) break;
    skip(SPACE);
    if (header[i] === '=' && current) {
      i++;
      skip(SPACE);
      let value: string;
      if (header[i] === '"') {
        value = '';
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        value = skip(TOKEN) ?? '';
      }
      current.params[word.toLowerCase()] = value;
    } else if (header[i] === '=' && !current) {
      break;
    } else {
      // A token not followed by `=` starts a new challenge.
      i = start + word.length;
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}
