import { join } from 'node:path';
import type { EngineJobs } from '../core/jobs/engineJobs';
import type { SerializedError } from '../core/jobs/jobProtocol';
import { ReplayJobError } from '../core/jobs/replayJobs';
import { JobWorkerClient } from './jobWorkerClient';

/** Typed errors of engine jobs that callers branch on, rebuilt on the host side. */
function reviveEngineError(e: SerializedError): Error | undefined {
	if (e.name === 'ReplayJobError' && e.reason === 'unknownTranscript') return new ReplayJobError('unknownTranscript', e.message);
	return undefined;
}

/** The host's handle on the engine worker (`dist/engineWorker.js`, next to the bundle using this). */
export function createEngineWorkerClient(options: { workerPath?: string; onCrash?: (e: Error) => void } = {}): JobWorkerClient<EngineJobs> {
	return new JobWorkerClient<EngineJobs>({
		workerPath: options.workerPath ?? join(__dirname, 'engineWorker.js'),
		reviveError: reviveEngineError,
		onCrash: options.onCrash,
	});
}
