import type { Daemon } from '../../daemon/daemon.js';
import { Router } from '../router.js';
import { registerBuildRoutes } from './build.js';
import { registerContainerRoutes } from './containers.js';
import { registerExecRoutes } from './exec.js';
import { registerImageRoutes } from './images.js';
import { registerNetworkRoutes } from './networks.js';
import { registerSystemRoutes } from './system.js';
import { registerVolumeRoutes } from './volumes.js';

/** Every Engine API route berthd serves. */
export function buildRouter(daemon: Daemon): Router {
  const router = new Router();
  registerSystemRoutes(router, daemon);
  registerImageRoutes(router, daemon);
  registerBuildRoutes(router, daemon);
  registerContainerRoutes(router, daemon);
  registerExecRoutes(router, daemon);
  registerNetworkRoutes(router, daemon);
  registerVolumeRoutes(router, daemon);
  return router;
}
