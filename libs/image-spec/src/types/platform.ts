/** The platform an image runs on (OCI image index `platform`, config `os`/`architecture`). */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}
