// The token worker: a worker_threads entry (bundled as dist/tokenWorker.js) that owns the rank tables
// and one chunked counter per open document, so the shared extension host never tokenizes and
// activation never waits for the ranks. All logic lives in core's TokenDocuments; this file only
// moves messages and runs background refinement when idle.
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkedCounterOptions } from '../core/tokens/chunkedCounter';
import { getEncoder } from '../core/tokens/encodings';
import { TokenDocuments } from '../core/tokens/tokenDocuments';
import type { TokenWorkerOutbound, TokenWorkerRequest } from '../core/tokens/workerProtocol';

export interface TokenWorkerData {
	readonly counter?: ChunkedCounterOptions;
	/** Quiet time before refining approximate counts (ms). */
	readonly refineDelayMs?: number;
}

const port = parentPort;
if (!port) throw new Error('tokenWorker.js must run in a worker thread');

const options = (workerData ?? {}) as TokenWorkerData;
const docs = new TokenDocuments(options.counter);
const refineDelayMs = options.refineDelayMs ?? 250;
let refineTimer: NodeJS.Timeout | undefined;

const post = (message: TokenWorkerOutbound) => port.postMessage(message);

function scheduleRefine(): void {
	if (refineTimer || !docs.hasPendingRefinement()) return;
	refineTimer = setTimeout(() => {
		refineTimer = undefined;
		const refined = docs.refineOne();
		if (refined) post(refined);
		scheduleRefine();
	}, refineDelayMs);
}

port.on('message', (req: TokenWorkerRequest) => {
	// Typing has priority: a pending refinement waits for the next quiet period.
	if (refineTimer) {
		clearTimeout(refineTimer);
		refineTimer = undefined;
	}
	post(docs.handle(req));
	scheduleRefine();
});

// Build the common encoder while the host has nothing to ask yet.
setImmediate(() => getEncoder('o200k_base'));
