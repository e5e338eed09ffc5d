import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerConfig } from '@berth/image-spec';
import { badRequest, notFound } from '../api/api-error.js';
import { checkBuildPlatform } from './build-platform.js';
import { byteOrder } from '../containers/directory-listing.js';
import { followInRoot } from '../containers/container-path.js';
import { withContainerRootfs } from '../containers/container-rootfs.js';
import { parseImageReference } from '../images/docker-errors.js';
import { storeImage } from '../images/image-commit.js';
import { familiar } from '../images/image-inspect.js';
import { pullImage } from '../images/image-pull.js';
import type { ImageRecord } from '../images/image-store.js';
import { shortId } from '../images/progress-message.js';
import { BuildCacheStore, type CacheableStep, stepCacheKey } from './build-cache.js';
import { inStepContainer } from './build-container.js';
import type { BuildJob } from './build-job.js';
import { type CopyRequest, copyIntoContainer } from './build-step-copy.js';
import { applyConfigStep, withShell } from './build-step-config.js';
import { runInContainer } from './build-step-run.js';
import { describeCopy } from './copy-digest.js';
import { parseDockerfile } from './dockerfile-parser.js';
import { type Instruction, toInstruction } from './instructions.js';
import { expandWord, variablesOf } from './variable-expansion.js';

/** Build args every Dockerfile may use without declaring them (kept out of the image's history). */
const PROXY_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Stage {
  from: Extract<Instruction, { kind: 'from' }>;
  steps: Instruction[];
}

/** The state of the stage being built. */
interface StageState {
  name?: string;
  /** The current image; undefined before the first step of a `FROM scratch` stage. */
  imageId?: string;
  config: ContainerConfig;
  /** ARGs declared in this stage, with their values. */
  args: Map<string, string>;
  cmdSet: boolean;
}

/** The classic builder, one Dockerfile: stages, steps, and Docker's output for each. */
export class ImageBuilder {
  readonly #stages: StageState[] = [];
  readonly #metaArgs = new Map<string, string>();
  readonly #usedArgs = new Set<string>();
  #escape = '\\';
  #step = 0;
  #total = 0;
  readonly #cache: BuildCacheStore;

  constructor(readonly job: BuildJob) {
    this.#cache = new BuildCacheStore(job.daemon.db);
  }

  /** Builds the Dockerfile; returns the final image's ID, tagged as asked. */
  async build(text: string): Promise<string> {
    const { job } = this;
    const parsed = parseDockerfile(text);
    this.#escape = parsed.escape;
    const instructions = parsed.lines.map(toInstruction);
    const meta: Instruction[] = [];
    const stages: Stage[] = [];
    for (const instruction of instructions) {
      if (instruction.kind === 'from') stages.push({ from: instruction, steps: [] });
      else if (stages.length === 0) {
        if (instruction.kind !== 'arg')
          throw badRequest(`Dockerfile parse error line ${instruction.source.line}: no build stage in current context`);
        meta.push(instruction);
      } else (stages[stages.length - 1] as Stage).steps.push(instruction);
    }
    if (stages.length === 0) throw badRequest('Dockerfile contains no FROM: no build stage in current context');
    let last = stages.length - 1;
    const target = job.options.target.toLowerCase();
    if (target) {
      last = stages.findIndex((s) => s.from.stageName === target);
      if (last < 0) throw badRequest(`failed to reach build target ${job.options.target} in Dockerfile`);
    }
    const toBuild = stages.slice(0, last + 1);
    const labels = Object.entries(job.options.labels);
    this.#total = meta.length + toBuild.reduce((n, s) => n + 1 + s.steps.length, 0) + (labels.length ? 1 : 0);

    for (const instruction of meta) {
      this.#announce(instruction);
      if (instruction.kind !== 'arg') continue;
      for (const { name, value } of instruction.args) {
        const given = job.options.buildArgs.get(name);
        const resolved = given ?? (value === undefined ? undefined : this.#expand(value, this.#metaArgs));
        if (resolved !== undefined) this.#metaArgs.set(name, resolved);
        if (job.options.buildArgs.has(name)) this.#usedArgs.add(name);
      }
    }
    for (const stage of toBuild) {
      const state = await this.#from(stage.from);
      for (const step of stage.steps) {
        this.#announce(step);
        await this.#dispatch(state, step);
        job.say(` ---> ${shortId(state.imageId as string)}`);
      }
      if (stage === toBuild[toBuild.length - 1] && labels.length) {
        const text = labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
        const step = toInstruction({ keyword: 'LABEL', flags: [], args: text, original: `LABEL ${text}`, line: 0 });
        this.#announce(step);
        await this.#dispatch(state, step);
        job.say(` ---> ${shortId(state.imageId as string)}`);
      }
    }
    const final = this.#stages[this.#stages.length - 1] as StageState;
    if (!final.imageId) await this.#commitConfig(final, undefined);
    const id = final.imageId as string;
    const unused = [...job.options.buildArgs.keys()].filter((k) => !this.#usedArgs.has(k) && !PROXY_ARGS.has(k));
    if (unused.length) job.say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`);
    job.send({ aux: { ID: id } });
    // With `q` the CLI prints what the stream holds: dockerd sends the ID alone.
    if (job.options.quiet) job.send({ stream: `${id}\n` });
    job.say(`Successfully built ${shortId(id)}`);
    for (const tag of job.options.tags) {
      job.daemon.images.tag(id, tag);
      job.daemon.events.emit('image', 'tag', id, { name: familiar(tag) });
      job.say(`Successfully tagged ${familiar(tag)}`);
    }
    return id;
  }

  #announce(step: Instruction): void {
    this.#step++;
    this.job.say(`Step ${this.#step}/${this.#total} : ${step.source.original}`);
  }

  #expand(text: string, vars: ReadonlyMap<string, string>): string {
    return expandWord(text, vars, this.#escape);
  }

  /** Variables for substitution in a stage: its ARGs, then its ENV (which wins). */
  #vars(state: StageState): Map<string, string> {
    return variablesOf(state.config.Env ?? [], state.args);
  }

  // ---- FROM

  async #from(from: Extract<Instruction, { kind: 'from' }>): Promise<StageState> {
    const { job } = this;
    this.#announce(from);
    const name = this.#expand(from.image, this.#metaArgs);
    if (from.platform) {
      checkBuildPlatform(this.#expand(from.platform, this.#metaArgs), 'FROM --platform');
    }
    if (name === '') throw badRequest(`base name (${from.image}) should not be blank`);
    const state: StageState = { config: {}, args: new Map(), cmdSet: false };
    if (from.stageName) state.name = from.stageName;
    const previous = this.#stageByName(name.toLowerCase());
    if (previous) {
      state.imageId = previous.imageId;
      state.config = structuredClone(previous.config);
    } else if (name.toLowerCase() !== 'scratch') {
      const image = await this.#image(name);
      state.imageId = image.id;
      state.config = structuredClone((await job.daemon.images.config(image.id)).config ?? {});
    }
    this.#stages.push(state);
    if (state.imageId) job.say(` ---> ${shortId(state.imageId)}`);
    else job.say(' ---> ');
    const triggers = state.config.OnBuild ?? [];
    if (triggers.length) {
      job.say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      state.config.OnBuild = null;
      for (const trigger of triggers) {
        const line = parseDockerfile(trigger).lines[0];
        if (!line) continue;
        await this.#dispatch(state, toInstruction(line));
      }
      job.say(` ---> ${shortId(state.imageId as string)}`);
    } else if (state.config.OnBuild) state.config.OnBuild = null;
    return state;
  }

  #stageByName(name: string): StageState | undefined {
    if (/^\d+$/.test(name)) return this.#stages[Number(name)];
    return this.#stages.find((s) => s.name === name);
  }

  /** A local image by name or ID, pulled when missing (or always, with `pull`). */
  async #image(name: string): Promise<ImageRecord> {
    const { job } = this;
    const { images } = job.daemon;
    let found: ImageRecord | undefined;
    try {
      found = job.options.pull ? undefined : images.find(name);
    } catch {
      throw badRequest(`invalid reference format: ${name}`);
    }
    if (found) return found;
    const ref = parseImageReference(name);
    if (/^[a-f0-9]{12,64}$/.test(name)) throw notFound(`No such image: ${name}`);
    await pullImage(job.daemon, { ref, signal: job.signal, send: job.send });
    found = images.find(name);
    if (!found) throw notFound(`No such image: ${name}`);
    return found;
  }

  // ---- steps

  async #dispatch(state: StageState, step: Instruction): Promise<void> {
    this.job.check();
    switch (step.kind) {
      case 'from':
        throw badRequest('FROM is not allowed here');
      case 'arg':
        return this.#arg(state, step);
      case 'run':
        return this.#run(state, step);
      case 'copy':
      case 'add':
        return this.#copy(state, step);
      case 'workdir':
        return this.#workdir(state, step);
      default: {
        const { config, comment } = applyConfigStep(state.config, step, this.#vars(state), this.#escape, state.cmdSet);
        if (step.kind === 'cmd') state.cmdSet = true;
        state.config = config;
        return this.#commitConfig(state, comment);
      }
    }
  }

  /**
   * The build cache, as dockerd's classic builder uses it: the image an earlier build made for the
   * same step on the same image is reused (` ---> Using cache`) unless `nocache`; otherwise `make`
   * makes it, and it is recorded for later builds (with `nocache` too). Sets the stage's image.
   */
  async #cached(state: StageState, step: CacheableStep, make: () => Promise<string>): Promise<void> {
    const parent = state.imageId ?? '';
    const key = stepCacheKey(step);
    const hit = this.job.options.noCache ? undefined : this.#cache.find(parent, key);
    if (hit) {
      this.#cache.touch(hit);
      this.job.say(' ---> Using cache');
      state.imageId = hit;
      return;
    }
    const id = await make();
    this.#cache.record({ imageId: id, parent, key, createdBy: step.createdBy });
    state.imageId = id;
  }

  /** A config-only step: a new image with the same layers, an `empty_layer` history entry. */
  async #commitConfig(state: StageState, comment: string | undefined): Promise<void> {
    const { daemon } = this.job;
    const createdBy = comment !== undefined ? `/bin/sh -c #(nop)  ${comment}` : '';
    const base = state.imageId ? daemon.images.get(state.imageId) : undefined;
    await this.#cached(state, { createdBy, config: state.config }, () =>
      storeImage(daemon, {
        base,
        runConfig: state.config,
        ...(comment !== undefined ? { history: { created_by: createdBy } } : {}),
      }),
    );
  }

  async #arg(state: StageState, step: Extract<Instruction, { kind: 'arg' }>): Promise<void> {
    const { options } = this.job;
    const shown: string[] = [];
    for (const { name, value } of step.args) {
      let resolved: string | undefined;
      const given = options.buildArgs.get(name);
      if (given !== undefined && given !== null) resolved = given;
      else if (value !== undefined) resolved = this.#expand(value, this.#vars(state));
      else resolved = this.#metaArgs.get(name);
      if (options.buildArgs.has(name)) this.#usedArgs.add(name);
      if (resolved !== undefined) state.args.set(name, resolved);
      shown.push(value === undefined ? name : `${name}=${value}`);
    }
    await this.#commitConfig(state, `ARG ${shown.join(' ')}`);
  }

  /** The Env a step container gets: the stage's, plus its ARGs and the proxy build args (not ENV-overridden). */
  #stepEnv(state: StageState, withArgs: boolean): { env: string[]; argPairs: string[] } {
    const env = [...(state.config.Env ?? [])];
    if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
    const argPairs: string[] = [];
    if (!withArgs) return { env, argPairs };
    const has = (k: string) => env.some((e) => e.startsWith(`${k}=`));
    for (const [k, v] of [...state.args].sort(([a], [b]) => byteOrder(a, b))) {
      if (has(k)) continue;
      argPairs.push(`${k}=${v}`);
    }
    const proxies: string[] = [];
    for (const [k, v] of this.job.options.buildArgs) {
      if (PROXY_ARGS.has(k) && v !== null && !state.args.has(k) && !has(k)) proxies.push(`${k}=${v}`);
    }
    return { env: [...env, ...argPairs, ...proxies], argPairs };
  }

  async #ensureImage(state: StageState): Promise<string> {
    if (!state.imageId) await this.#commitConfig(state, undefined);
    return state.imageId as string;
  }

  async #run(state: StageState, step: Extract<Instruction, { kind: 'run' }>): Promise<void> {
    const cmd = withShell(state.config, step.command);
    const { env, argPairs } = this.#stepEnv(state, true);
    const prefix = argPairs.length ? `|${argPairs.length} ${argPairs.join(' ')} ` : '';
    // The stage's ARG values are in `created_by`, so a RUN under other build args is another step.
    const createdBy = `${prefix}${cmd.join(' ')}`;
    const imageId = await this.#ensureImage(state);
    await this.#cached(state, { createdBy, config: state.config }, () =>
      inStepContainer(
        this.job,
        { imageId, runConfig: state.config, cmd, env, history: { created_by: createdBy } },
        (record) => runInContainer(this.job, record, cmd),
        { announce: true },
      ),
    );
  }

  async #workdir(state: StageState, step: Instruction): Promise<void> {
    const { config, comment } = applyConfigStep(state.config, step, this.#vars(state), this.#escape, state.cmdSet);
    state.config = config;
    const dir = config.WorkingDir as string;
    const createdBy = `/bin/sh -c #(nop) ${comment}`;
    const imageId = await this.#ensureImage(state);
    await this.#cached(state, { createdBy, config: state.config }, () =>
      inStepContainer(
        this.job,
        {
          imageId,
          runConfig: state.config,
          cmd: ['/bin/sh', '-c', `#(nop) ${comment}`],
          env: this.#stepEnv(state, false).env,
          history: { created_by: createdBy },
        },
        async (record) => {
          await withContainerRootfs(this.job.daemon, record, async (root) => {
            root.mkdirAll(followInRoot(root, dir), 0o755);
          });
        },
        { announce: false },
      ),
    );
  }

  async #copy(state: StageState, step: Extract<Instruction, { kind: 'copy' | 'add' }>): Promise<void> {
    const { job } = this;
    const vars = this.#vars(state);
    const sources = step.sources.map((s) => this.#expand(s, vars));
    const dest = this.#expand(step.dest, vars);
    const chown = step.chown ? this.#expand(step.chown, vars) : undefined;
    const name = step.kind.toUpperCase();
    for (const source of sources)
      if (/^(https?|git):\/\/|^git@/.test(source))
        throw badRequest(`${name} from a URL (${source}) is not supported by berthd's classic builder: download it in a RUN step or put it in the build context`);
    let sourceRoot = job.contextDir;
    let release: (() => Promise<void>) | undefined;
    let fromStage = false;
    if (step.kind === 'copy' && step.from !== undefined) {
      const from = this.#expand(step.from, this.#metaArgs);
      const stage = this.#stageByName(from.toLowerCase());
      if (stage === state) throw badRequest(`COPY --from=${from}: a stage can not copy from itself`);
      const imageId = stage ? stage.imageId : (await this.#image(from)).id;
      const image = imageId ? job.daemon.images.get(imageId) : undefined;
      fromStage = true;
      if (image?.topLayer) {
        const top = image.topLayer;
        sourceRoot = await job.daemon.layers.mount(top);
        release = () => job.daemon.layers.unmount(top);
      } else {
        sourceRoot = join(job.workDir, 'empty');
        await mkdir(sourceRoot, { recursive: true });
      }
    }
    try {
      const request: CopyRequest = {
        kind: step.kind,
        sourceRoot,
        from: fromStage ? 'stage' : 'context',
        sources,
        dest,
        workdir: posix.normalize(state.config.WorkingDir || '/'),
        ...(chown ? { chown } : {}),
      };
      // The content digest is known before the step runs: an unchanged COPY is found in the cache.
      const createdBy = `/bin/sh -c #(nop) ${name} ${await describeCopy(request)}`;
      const imageId = await this.#ensureImage(state);
      await this.#cached(state, { createdBy, config: state.config }, () =>
        inStepContainer(
          job,
          {
            imageId,
            runConfig: state.config,
            cmd: ['/bin/sh', '-c', `#(nop) ${name} ${sources.join(' ')} ${dest}`],
            env: this.#stepEnv(state, false).env,
            history: { created_by: createdBy },
          },
          (record) => copyIntoContainer(job, record, request),
          { announce: false },
        ),
      );
    } finally {
      await release?.().catch(() => undefined);
    }
  }
}
