import { performance } from 'node:perf_hooks';

/**
 * When the extension bundle started to run: imported FIRST by extension.ts, so (ES module order) this
 * is the first statement of dist/extension.js that executes. Activation time = module load + activate().
 */
export const bundleStart = performance.now();
/** Process CPU time at the same moment (see `activationCpuMs`). */
export const bundleStartCpu = process.cpuUsage();
