import { z } from 'zod';

const strings = z.array(z.string()).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();
const portMap = z.record(z.string(), z.object({}).loose()).nullish();
const int = z.number().int().nullish();

/** Docker's `HostConfig` as sent: the fields the engine acts on are typed, the rest passes through. */
export const hostConfigSchema = z
  .object({
    Binds: strings,
    NetworkMode: z.string().nullish(),
    PortBindings: z
      .record(
        z.string(),
        z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() })).nullable(),
      )
      .nullish(),
    RestartPolicy: z
      .object({
        Name: z.enum(['', 'no', 'always', 'unless-stopped', 'on-failure']).optional(),
        MaximumRetryCount: int,
      })
      .nullish(),
    AutoRemove: z.boolean().nullish(),
    CapAdd: strings,
    CapDrop: strings,
    Privileged: z.boolean().nullish(),
    PublishAllPorts: z.boolean().nullish(),
    ReadonlyRootfs: z.boolean().nullish(),
    Tmpfs: stringMap,
    Memory: int,
    MemorySwap: int,
    NanoCpus: int,
    CpuQuota: int,
    CpuPeriod: int,
    CpuShares: int,
    PidsLimit: int,
    ShmSize: int,
    ExtraHosts: strings,
    GroupAdd: strings,
    Devices: z
      .array(
        z
          .object({
            PathOnHost: z.string().min(1),
            PathInContainer: z.string().optional(),
            CgroupPermissions: z.string().optional(),
          })
          .loose(),
      )
      .nullish(),
    DeviceCgroupRules: strings,
    LogConfig: z.object({ Type: z.string().nullish(), Config: stringMap }).loose().nullish(),
    Mounts: z
      .array(
        z
          .object({
            Type: z.string(),
            Source: z.string().optional(),
            Target: z.string().min(1),
            ReadOnly: z.boolean().optional(),
            TmpfsOptions: z.object({ SizeBytes: int, Mode: int }).loose().nullish(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();

/** The body of `POST /containers/create`: Docker's Config with HostConfig and NetworkingConfig. */
export const createRequestSchema = z
  .object({
    Hostname: z.string().nullish(),
    Domainname: z.string().nullish(),
    User: z.string().nullish(),
    AttachStdin: z.boolean().nullish(),
    AttachStdout: z.boolean().nullish(),
    AttachStderr: z.boolean().nullish(),
    ExposedPorts: portMap,
    Tty: z.boolean().nullish(),
    OpenStdin: z.boolean().nullish(),
    StdinOnce: z.boolean().nullish(),
    Env: strings,
    Cmd: z.union([z.array(z.string()), z.string()]).nullish(),
    Entrypoint: z.union([z.array(z.string()), z.string()]).nullish(),
    Image: z.string().nullish(),
    Volumes: portMap,
    WorkingDir: z.string().nullish(),
    Labels: stringMap,
    StopSignal: z.string().nullish(),
    StopTimeout: int,
    HostConfig: hostConfigSchema.nullish(),
    NetworkingConfig: z
      .object({
        EndpointsConfig: z
          .record(
            z.string(),
            z
              .object({
                Aliases: strings,
                IPAMConfig: z.object({ IPv4Address: z.string().optional() }).loose().nullish(),
              })
              .loose()
              .nullable(),
          )
          .nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();

export type CreateRequest = z.infer<typeof createRequestSchema>;
