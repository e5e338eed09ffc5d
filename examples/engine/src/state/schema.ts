/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append, never edit
 * a migration that has shipped. Documents Docker returns whole (container config, host config) are
 * JSON text columns; what is searched or joined on has its own column.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE images (
    id TEXT PRIMARY KEY,               -- config digest (Docker's image ID)
    manifest_digest TEXT,              -- the platform manifest it was pulled or loaded with
    manifest_media_type TEXT,
    top_layer TEXT,                    -- chain ID of the top layer (NULL for no layers)
    size INTEGER NOT NULL,             -- unpacked size of all layers
    created TEXT NOT NULL,             -- the image config's created time
    added TEXT NOT NULL,               -- when this engine got it
    parent TEXT                        -- local parent image (commit/build), Docker's Parent
  );
  CREATE TABLE image_tags (
    name TEXT PRIMARY KEY,             -- normalised repo:tag, e.g. docker.io/library/busybox:latest
    image_id TEXT NOT NULL REFERENCES images(id)
  );
  CREATE INDEX image_tags_image ON image_tags(image_id);
  CREATE TABLE image_digests (
    name TEXT PRIMARY KEY,             -- repo@sha256:… as pulled or pushed (RepoDigests)
    image_id TEXT NOT NULL REFERENCES images(id)
  );
  CREATE INDEX image_digests_image ON image_digests(image_id);

  CREATE TABLE containers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,         -- without Docker's leading slash
    image_id TEXT NOT NULL REFERENCES images(id),
    image_name TEXT NOT NULL,          -- what the user asked for (Config.Image)
    created TEXT NOT NULL,
    config TEXT NOT NULL,              -- JSON: Docker's container Config
    host_config TEXT NOT NULL,         -- JSON: HostConfig
    networking TEXT NOT NULL,          -- JSON: NetworkingConfig.EndpointsConfig as asked
    state TEXT NOT NULL,               -- JSON: Status, Pid, ExitCode, StartedAt, FinishedAt, Error …
    restart_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX containers_image ON containers(image_id);

  CREATE TABLE networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    driver TEXT NOT NULL,
    created TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0,
    attachable INTEGER NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '{}', -- JSON
    labels TEXT NOT NULL DEFAULT '{}'   -- JSON
  );
  CREATE TABLE endpoints (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    network_id TEXT NOT NULL REFERENCES networks(id),
    config TEXT NOT NULL DEFAULT '{}',  -- JSON: EndpointSettings as asked (aliases, IPAM config)
    PRIMARY KEY (container_id, network_id)
  );

  CREATE TABLE pulls (
    id TEXT PRIMARY KEY,               -- a pull in progress: what to clean up if the daemon dies
    reference TEXT NOT NULL,
    started TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE volumes (
    name TEXT PRIMARY KEY,
    driver TEXT NOT NULL DEFAULT 'local',
    created TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '{}',  -- JSON
    options TEXT NOT NULL DEFAULT '{}', -- JSON: DriverOpts as given
    anonymous INTEGER NOT NULL DEFAULT 0
  );
  -- The anonymous volume a container got for a path (image VOLUME, -v /path, a Mounts entry
  -- without a source): found again at each start, removed with the container by rm -v and --rm.
  CREATE TABLE container_volumes (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    destination TEXT NOT NULL,
    volume TEXT NOT NULL REFERENCES volumes(name),
    PRIMARY KEY (container_id, destination)
  );
  CREATE INDEX container_volumes_volume ON container_volumes(volume);
  `,
  `
  -- The classic builder's cache: the image a build step made, found again by the image it ran on
  -- and a key of the step (its instruction as history records it, with COPY/ADD's content digest
  -- and RUN's build args, and the config it leaves). The image is a normal image (kept untagged as
  -- a parent, as dockerd keeps intermediate images); its row goes with it (ON DELETE CASCADE).
  CREATE TABLE build_cache (
    image_id TEXT PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    parent TEXT NOT NULL,               -- the image the step ran on ('' for a FROM scratch stage's first)
    key TEXT NOT NULL,                  -- sha256 of the step's instruction and resulting config
    created_by TEXT NOT NULL,           -- the history entry's created_by (/system/df's Description)
    created TEXT NOT NULL,
    last_used TEXT,
    usage_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX build_cache_step ON build_cache(parent, key);
  `,
];
