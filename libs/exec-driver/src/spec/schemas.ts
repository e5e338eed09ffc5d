// The OCI runtime-spec JSON schemas (Apache-2.0, The Linux Foundation; see ./schema/LICENSE),
// bundled as data.

import type { SchemaFiles } from './json-schema.js';
import configFreebsd from './schema/config-freebsd.json' with { type: 'json' };
import configLinux from './schema/config-linux.json' with { type: 'json' };
import configSchema from './schema/config-schema.json' with { type: 'json' };
import configSolaris from './schema/config-solaris.json' with { type: 'json' };
import configVm from './schema/config-vm.json' with { type: 'json' };
import configWindows from './schema/config-windows.json' with { type: 'json' };
import configZos from './schema/config-zos.json' with { type: 'json' };
import defs from './schema/defs.json' with { type: 'json' };
import defsFreebsd from './schema/defs-freebsd.json' with { type: 'json' };
import defsLinux from './schema/defs-linux.json' with { type: 'json' };
import defsVm from './schema/defs-vm.json' with { type: 'json' };
import defsWindows from './schema/defs-windows.json' with { type: 'json' };
import defsZos from './schema/defs-zos.json' with { type: 'json' };
import stateSchema from './schema/state-schema.json' with { type: 'json' };

export const runtimeSpecSchemas = {
  'config-schema.json': configSchema,
  'config-linux.json': configLinux,
  'config-solaris.json': configSolaris,
  'config-windows.json': configWindows,
  'config-vm.json': configVm,
  'config-zos.json': configZos,
  'config-freebsd.json': configFreebsd,
  'defs.json': defs,
  'defs-linux.json': defsLinux,
  'defs-windows.json': defsWindows,
  'defs-vm.json': defsVm,
  'defs-zos.json': defsZos,
  'defs-freebsd.json': defsFreebsd,
  'state-schema.json': stateSchema,
} as unknown as SchemaFiles;
