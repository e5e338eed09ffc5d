import { OverlayDriver, VfsDriver } from '../src/index.js';
import { driverConformance } from './conformance.js';

driverConformance('overlay', (home) => OverlayDriver.open(home));
driverConformance('vfs', (home) => VfsDriver.open(home));
