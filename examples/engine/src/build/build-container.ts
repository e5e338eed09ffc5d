import type { ContainerConfig, HistoryEntry } from '@berth/image-spec';
import type { ContainerRecord } from '../containers/container-record.js';
import { commitContainerAs } from '../images/image-commit.js';
import type { BuildJob } from './build-job.js';

export interface StepContainer {
  /** The image the container is made from. */
  imageId: string;
  /** The stage's config, which the new image gets (the container's own command aside). */
  runConfig: ContainerConfig;
  /** The container's command (RUN's, or a `#(nop)` comment for a container that never starts). */
  cmd: string[];
  /** Env for the container (the stage's, plus build args for a RUN). */
  env: string[];
  history: Omit<HistoryEntry, 'created' | 'empty_layer'>;
}

/**
 * The classic builder's unit of work on a filesystem: a container made from the current image, `work`
 * done with it (started for RUN; only its rootfs for COPY, ADD and WORKDIR), its changes committed as
 * the next image, then the container removed. On failure the container goes too, unless the build
 * keeps failed containers (rm without forcerm, as dockerd); `work` returning false also fails.
 */
export async function inStepContainer(
  job: BuildJob,
  step: StepContainer,
  work: (record: ContainerRecord) => Promise<void>,
  options: { announce: boolean },
): Promise<string> {
  const { daemon } = job;
  job.check();
  const { Id } = await daemon.containers.create(null, {
    Image: step.imageId,
    Cmd: step.cmd,
    Entrypoint: [''],
    Env: step.env,
    User: step.runConfig.User ?? '',
    WorkingDir: step.runConfig.WorkingDir ?? '',
    Labels: {},
    HostConfig: { AutoRemove: false },
  });
  job.containers.add(Id);
  if (options.announce) job.say(` ---> Running in ${Id.slice(0, 12)}`);
  let ok = false;
  try {
    const record = daemon.containers.store.resolve(Id);
    await work(record);
    job.check();
    const image = await commitContainerAs(daemon, record, { runConfig: step.runConfig, history: step.history });
    ok = true;
    return image;
  } finally {
    const keep = ok ? !job.options.remove : !job.options.forceRemove && !job.signal.aborted && options.announce;
    if (!keep) {
      if (ok && options.announce) job.say(`Removing intermediate container ${Id.slice(0, 12)}`);
      await job.removeContainer(Id);
    } else job.containers.delete(Id);
  }
}
