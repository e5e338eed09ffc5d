import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Pack, pack } from 'tar-stream';
import { ignoreMatcher, parseDockerignore } from '../../build/docker-ignore.js';
import { CliError } from '../errors.js';

/** A build context ready to send: its tar, and the Dockerfile's name inside it. */
export interface BuildContextTar {
  tar: Readable;
  /** The `dockerfile` query parameter: a path in the context. */
  dockerfile: string;
}

export interface ContextTarOptions {
  /** `-f`: relative to the current directory, or absolute; default `PATH/Dockerfile`. */
  dockerfile?: string;
  /** `-f -`: the Dockerfile's text, read from stdin. */
  dockerfileText?: string;
}

/** Adds one entry and waits until tar-stream has taken it (and its content). */
async function addEntry(tar: Pack, root: string, rel: string, st: Stats): Promise<void> {
  const host = join(root, rel);
  const common = { name: rel, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0, uname: '', gname: '' };
  if (st.isDirectory()) {
    await new Promise<void>((ok, fail) =>
      tar.entry({ ...common, type: 'directory' }, (err) => (err ? fail(err) : ok())),
    );
  } else if (st.isSymbolicLink()) {
    const linkname = await readlink(host);
    await new Promise<void>((ok, fail) =>
      tar.entry({ ...common, type: 'symlink', linkname }, (err) => (err ? fail(err) : ok())),
    );
  } else if (st.isFile()) {
    const entry = tar.entry({ ...common, type: 'file', size: st.size });
    await pipeline(createReadStream(host), entry);
  }
  // Sockets, fifos and devices have no place in a build context: left out, as the docker CLI does.
}

/**
 * A Dockerfile from outside the context, as the file added to it. The docker CLI names it
 * `.dockerfile.<random>`; here the name comes from its content, so that the .dockerignore naming it
 * (which `COPY .` copies) stays the same from one build to the next and the cache still hits.
 */
function added(text: Buffer): { name: string; text: Buffer } {
  return { name: `.dockerfile.${createHash('sha256').update(text).digest('hex').slice(0, 20)}`, text };
}

/** Adds a file the CLI made (not one of the context's). */
function addGenerated(tar: Pack, name: string, content: Buffer): Promise<void> {
  return new Promise((ok, fail) =>
    tar.entry({ name, mode: 0o644, uid: 0, gid: 0, mtime: new Date() }, content, (err) =>
      err ? fail(err) : ok(),
    ),
  );
}

/**
 * Tars a build context directory as the docker CLI does for the classic builder: `.dockerignore`
 * applied (with its `!` exceptions; the Dockerfile and `.dockerignore` are always sent), owners
 * zeroed, symlinks kept as links. A Dockerfile outside the context (or from stdin) is added under a
 * generated name. The tar is a stream: it is written while it is sent.
 */
export async function buildContextTar(
  path: string,
  options: ContextTarOptions = {},
): Promise<BuildContextTar> {
  const root = resolve(path);
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new CliError(`unable to prepare context: path "${path}" not found`);
  let dockerfile: string;
  let extra: { name: string; text: Buffer } | undefined;
  if (options.dockerfileText !== undefined) {
    extra = added(Buffer.from(options.dockerfileText));
    dockerfile = extra.name;
  } else {
    const file = options.dockerfile ? resolve(options.dockerfile) : join(root, 'Dockerfile');
    const fileStat = await stat(file).catch(() => undefined);
    if (!fileStat?.isFile())
      throw new CliError(
        `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory`,
      );
    const rel = relative(root, file);
    if (rel === '..' || rel.startsWith(`..${sep}`)) {
      extra = added(await readFile(file));
      dockerfile = extra.name;
    } else dockerfile = rel.split(sep).join('/');
  }
  const ignoreText = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => undefined);
  const patterns = ignoreText === undefined ? [] : parseDockerignore(ignoreText);
  const matcher = ignoreMatcher([...patterns, `!${dockerfile}`, '!.dockerignore']);
  // Without exceptions, nothing under an ignored directory can be sent: it is not walked.
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  const tar = pack();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(join(root, dir))).sort()) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (extra && rel === '.dockerignore') continue; // sent below, naming the added Dockerfile
      const st = await lstat(join(root, rel));
      const ignored = matcher.ignores(rel);
      if (!ignored) await addEntry(tar, root, rel, st);
      if (st.isDirectory() && (!ignored || hasExceptions)) await walk(rel);
    }
  };
  const fill = async () => {
    await walk('');
    if (extra) {
      // As the docker CLI does: .dockerignore names the added Dockerfile, so the daemon drops it
      // once read and `COPY .` does not take it into the image.
      const ignore = Buffer.from(`${ignoreText ?? ''}\n${extra.name}\n`);
      await addGenerated(tar, extra.name, extra.text);
      await addGenerated(tar, '.dockerignore', ignore);
    }
    tar.finalize();
  };
  fill().catch((err: Error) => tar.destroy(new CliError(`unable to prepare context: ${err.message}`)));
  return { tar, dockerfile };
}
