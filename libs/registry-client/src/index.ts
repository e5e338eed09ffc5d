export { repositoryScope } from './auth/bearer-token.js';
export { type CredentialHelperOptions, credentialHelperGet } from './auth/credential-helper.js';
export {
  type CredentialProvider,
  type Credentials,
  chainCredentials,
  staticCredentials,
} from './auth/credentials.js';
export {
  DOCKER_HUB_AUTH_KEY,
  type DockerConfigFile,
  type DockerConfigOptions,
  dockerConfigCredentials,
  normalizeAuthKey,
  readDockerConfig,
} from './auth/docker-config.js';
export { type AuthChallenge, parseWwwAuthenticate } from './auth/www-authenticate.js';
export type { BlobUploadResult } from './blob-upload.js';
export { RegistryClient, type RegistryClientOptions, type RegistryHostOptions } from './client.js';
export {
  asContentStore,
  type BlobRef,
  type ContentStore,
  ociLayoutStore,
} from './content-store.js';
export {
  isRegistryError,
  RegistryError,
  type RegistryErrorCode,
  type RemoteErrorDetail,
} from './errors.js';
export { nextLink } from './link-header.js';
export { type FetchedManifest, MAX_MANIFEST_SIZE } from './manifests.js';
export { DOCKER_HUB, DOCKER_HUB_API, isLoopbackHost, mirrorsFor } from './mirrors.js';
export type {
  BlobRetryEvent,
  BlobRole,
  PullBlobEvent,
  PullEvent,
  PushBlobEvent,
  PushEvent,
} from './progress.js';
export type { PullOptions, PullResult } from './pull.js';
export type { PushOptions, PushResult } from './push.js';
export { type ReferrersOptions, referrersTag } from './referrers.js';
export type { ListOptions } from './tags.js';
export { parseRetryAfter, type RetryInfo, type RetryOptions } from './transport/retry.js';
export { DEFAULT_CERTS_DIR, loadCertsDir, type TlsSettings } from './transport/tls.js';
