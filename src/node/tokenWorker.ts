// The token worker: a worker_threads entry (bundled as dist/tokenWorker.js) that owns the rank tables
// and one chunked counter per open document, so the shared extension host never tokenizes and
// activation never waits for the ranks; it also holds the price dataset for the status-bar lens.
// All logic lives in core's TokenDocuments; this file only moves messages and runs background work
// (prompt re-parses, refinements) when idle.
import { parentPort, workerData } from 'node:worker_threads';
import { createPriceCatalog } from '../core/pricing/catalog';
import type { ChunkedCounterOptions } from '../core/tokens/chunkedCounter';
import { getEncoder } from '../core/tokens/encodings';
import { TokenDocuments } from '../core/lens/tokenDocuments';
import type { TokenWorkerOutbound, TokenWorkerRequest } from '../core/lens/workerProtocol';

export interface TokenWorkerData {
	readonly counter?: ChunkedCounterOptions;
	/** Quiet time before refining approximate counts (ms). */
	readonly refineDelayMs?: number;
	/** Quiet time before re-parsing an edited prompty/chat file (ms): the lens's debounce. */
	readonly promptDelayMs?: number;
}

const port = parentPort;
if (!port) throw new Error('tokenWorker.js must run in a worker thread');

const options = (workerData ?? {}) as TokenWorkerData;
// The price catalog (the dataset is bundled here, never in the extension host) is built on the first
// `describeModels`, and again after new overrides.
const docs = new TokenDocuments(options.counter, { createCatalog: overrides => createPriceCatalog({ overrides }) });
const refineDelayMs = options.refineDelayMs ?? 250;
const promptDelayMs = options.promptDelayMs ?? 75;
let idleTimer: NodeJS.Timeout | undefined;

const post = (message: TokenWorkerOutbound) => port.postMessage(message);

function scheduleIdleWork(): void {
	if (idleTimer) return;
	const prompt = docs.hasPendingPromptCount();
	if (!prompt && !docs.hasPendingRefinement()) return;
	idleTimer = setTimeout(
		() => {
			idleTimer = undefined;
			const changed = docs.idleWork();
			if (changed) post(changed);
			scheduleIdleWork();
		},
		prompt ? promptDelayMs : refineDelayMs,
	);
}

port.on('message', (req: TokenWorkerRequest) => {
	// Typing has priority: re-parses and refinements wait for the next quiet period.
	if (idleTimer) {
		clearTimeout(idleTimer);
		idleTimer = undefined;
	}
	post(docs.handle(req));
	scheduleIdleWork();
});

// Build the common encoder while the host has nothing to ask yet.
setImmediate(() => getEncoder('o200k_base'));
