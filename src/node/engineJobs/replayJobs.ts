import type { JobHandlers } from '../../core/jobs/jobProtocol';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { createPriceCatalog } from '../../core/pricing/catalog';
import type { ReplayScenario } from '../../core/replay/scenario';
import { scenarioModelProblems } from '../../core/replay/scenario';
import { unknownModelProblem } from '../modelCheck';
import type { PriceOverrides } from '../../core/pricing/overrides';
import type { PriceCatalog } from '../../core/pricing/types';
import { compareScenarios, sweepParameter } from '../../core/replay/comparison';
import { PreparedRun } from '../../core/replay/preparedRun';
import type { OpenedTranscript, ReplayJobs, ReportCallRow } from '../../core/jobs/replayJobs';
import { ReplayJobError } from '../../core/jobs/replayJobs';
import { tokenCounter } from '../../core/tokens/count';
import { accountTranscript } from '../../core/transcripts/accounting';
import { reportEntry } from '../../core/transcripts/reportEntry';
import { readTranscriptFile } from '../transcriptFiles';

const counter: TokenCounter = tokenCounter;
const yieldToEventLoop = () => new Promise<void>(resolve => setImmediate(resolve));
/** Prepared runs kept for replays; the oldest is dropped beyond this many (they can be large). */
const maxOpen = 4;

/**
 * Replay jobs for the engine worker: a transcript is imported and prepared once, then any number
 * of comparisons and sweeps run on it. Prices follow the overrides given at open time.
 */
export function createReplayJobHandlers(): JobHandlers<ReplayJobs> {
	const open = new Map<string, { run: PreparedRun; overrides: PriceOverrides }>();
	const catalogs = new Map<string, PriceCatalog>();
	let next = 0;
	const catalogFor = (overrides: PriceOverrides | undefined): PriceCatalog => {
		const key = JSON.stringify(overrides ?? {});
		let c = catalogs.get(key);
		if (!c) {
			c = createPriceCatalog({ overrides: overrides ?? {} });
			catalogs.clear(); // the settings changed: older catalogs are stale
			catalogs.set(key, c);
		}
		return c;
	};
	const runOf = (id: string): PreparedRun => openRun(id).run;
	const openRun = (id: string) => {
		const o = open.get(id);
		if (!o) throw new ReplayJobError('unknownTranscript', `transcript ${id} is no longer open in the engine worker; open it again`);
		return o;
	};
	/** A typo'd model stops the replay with the closest known ids (never steps priced at nothing). */
	const checkModels = (id: string, scenarios: readonly ReplayScenario[]) => {
		const { overrides } = openRun(id);
		const problems = scenarios.flatMap(s => scenarioModelProblems(s, m => unknownModelProblem(m, overrides)));
		if (problems.length) throw new ReplayJobError('unknownModel', problems.join('; '));
	};
	return {
		async 'transcript/open'({ path, displayName, model, overrides }, ctx) {
			const transcript = await readTranscriptFile(path, {
				counter,
				displayName: displayName ?? path,
				signal: ctx.signal,
				...(model && { model }),
				onProgress: p => ctx.progress({ bytesRead: p.bytesRead, totalBytes: p.totalBytes, calls: p.calls }),
			});
			const catalog = catalogFor(overrides);
			const account = accountTranscript(transcript, catalog);
			const calls: ReportCallRow[] = transcript.calls.map((c, i) => {
				const a = account.calls[i];
				return {
					index: c.index,
					model: c.model,
					thread: c.thread,
					...(c.sidechain && { sidechain: `${c.sidechain.kind} ${c.sidechain.agentId}` }),
					usage: c.usage,
					usageSource: c.usageSource,
					usageExact: c.usageExact,
					...(c.recordedCostUsd !== undefined && { recordedCostUsd: c.recordedCostUsd }),
					computedCostUsd: a.computed.kind === 'priced' ? a.computed.usd : null,
					...(c.startedAt && { startedAt: c.startedAt }),
				};
			});
			const transcriptId = `t${++next}`;
			if (transcript.contentRetained && transcript.calls.length > 0) {
				open.set(transcriptId, { run: new PreparedRun(transcript, { counter, catalog }), overrides: overrides ?? {} });
				while (open.size > maxOpen) open.delete(open.keys().next().value as string);
			}
			const result: OpenedTranscript = {
				transcriptId,
				report: reportEntry(transcript, account, displayName ?? path),
				calls,
				threads: [...new Set(transcript.calls.map(c => c.thread))],
				...(transcript.startedAt && { startedAt: transcript.startedAt }),
				...(transcript.endedAt && { endedAt: transcript.endedAt }),
			};
			return result;
		},
		async 'replay/compare'({ transcriptId, scenarios }, ctx) {
			checkModels(transcriptId, scenarios);
			return compareScenarios(runOf(transcriptId), scenarios, { signal: ctx.signal, onProgress: (done, total) => ctx.progress({ done, total }), yieldToEventLoop });
		},
		async 'replay/sweep'({ transcriptId, base, parameter, values }, ctx) {
			checkModels(transcriptId, [base]);
			return sweepParameter(runOf(transcriptId), base, parameter, values, { signal: ctx.signal, onProgress: (done, total) => ctx.progress({ done, total }), yieldToEventLoop });
		},
		'transcript/close'({ transcriptId }) {
			open.delete(transcriptId);
			return null;
		},
	};
}
