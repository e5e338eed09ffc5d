import { badRequest } from '../api/api-error.js';

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A user's `--name`: Docker's rule and message; the stored form has no leading slash. */
export function checkName(name: string): string {
  if (!VALID_NAME.test(name))
    throw badRequest(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, '');
}

// Readable two-word names in Docker's spirit (adjective_noun); the lists are our own.
const ADJECTIVES = [
  'brave',
  'calm',
  'clever',
  'eager',
  'fancy',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'proud',
  'quiet',
  'rapid',
  'sharp',
  'steady',
  'sunny',
  'tidy',
  'vivid',
  'witty',
  'zealous',
  'bold',
  'crisp',
  'dreamy',
  'frosty',
  'golden',
  'hardy',
  'lively',
  'mellow',
];
const NOUNS = [
  'anchor',
  'harbor',
  'keel',
  'mast',
  'rudder',
  'hull',
  'buoy',
  'cargo',
  'dock',
  'ferry',
  'galley',
  'helm',
  'jetty',
  'lantern',
  'marina',
  'pier',
  'quay',
  'schooner',
  'tugboat',
  'wharf',
  'beacon',
  'cutter',
  'dinghy',
  'frigate',
  'ketch',
  'sloop',
  'yawl',
  'barge',
  'canoe',
  'raft',
];

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;

/** A free generated name; `taken` says whether a name is in use. */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; i < 50; i++) {
    const name = `${pick(ADJECTIVES)}_${pick(NOUNS)}${i >= 10 ? Math.floor(Math.random() * 100) : ''}`;
    if (!taken(name)) return name;
  }
  return `berth_${Date.now().toString(36)}`;
}
