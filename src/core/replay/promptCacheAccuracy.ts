import type { PreparedRun } from './preparedRun';
import type { ReplayScenario } from './scenario';
import { simulateScenario } from './simulator';

/** Cache-read and cache-write totals of a run's steps, in tokens. */
interface CacheTotals {
	readonly read: number;
	readonly write: number;
}

/** How well the prompt-cache simulator predicts a recorded run (see {@link measurePromptCache}). */
export interface PromptCacheAccuracy {
	/** Steps with recorded usage that were simulated and compared. */
	readonly steps: number;
	readonly recorded: CacheTotals;
	readonly predicted: CacheTotals;
	/** (predicted − recorded) / recorded of the totals; null when the recording has none. */
	readonly readError: number | null;
	readonly writeError: number | null;
}

/**
 * Replays a run exactly as recorded but SIMULATES the provider's prompt cache at every step
 * (`promptCache.fromStep: 1`) and compares the predicted cache reads and writes with the recorded
 * ones — the check of the one number a replay cannot take from the recording once a scenario
 * rewrites the history.
 */
export async function measurePromptCache(run: PreparedRun, asRecorded: ReplayScenario): Promise<PromptCacheAccuracy> {
	const r = await simulateScenario(run, { ...asRecorded, promptCache: { ...asRecorded.promptCache, mode: 'simulate', fromStep: 1 } });
	let steps = 0;
	const recorded = { read: 0, write: 0 };
	const predicted = { read: 0, write: 0 };
	for (const s of r.perStep) {
		if (!s.recordedUsage) continue;
		steps++;
		recorded.read += s.recordedUsage.cacheRead;
		recorded.write += s.recordedUsage.cacheWrite5m + s.recordedUsage.cacheWrite1h;
		predicted.read += s.usage.cacheRead;
		predicted.write += s.usage.cacheWrite5m + s.usage.cacheWrite1h;
	}
	const error = (p: number, r: number) => (r === 0 ? (p === 0 ? 0 : null) : (p - r) / r);
	return { steps, recorded, predicted, readError: error(predicted.read, recorded.read), writeError: error(predicted.write, recorded.write) };
}
