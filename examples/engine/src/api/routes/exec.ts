import type { Daemon } from '../../daemon/daemon.js';
import type { Router } from '../router.js';

export function registerExecRoutes(_router: Router, _daemon: Daemon): void {}
