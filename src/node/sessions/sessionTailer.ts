/**
 * Follows session files as agents write them: each `tail` reads only the bytes appended since the
 * last one (from the end of the last complete line), so a 50 MB session costs its full read once
 * and then only its growth. One state per file, kept by the engine worker.
 */
import { statSync } from 'node:fs';
import type { PriceCatalog } from '../../core/pricing/types';
import type { AgentId } from '../../core/sessions/agents';
import { CallLedger } from '../../core/sessions/callLedger';
import type { SessionFileRef, SessionTailResult } from '../../core/jobs/sessionJobs';
import { groupCalls, priceCalls } from '../../core/sessions/sessionReport';
import { TimeBuckets } from '../../core/sessions/timeBuckets';
import type { UsageScanner } from '../../core/sessions/usageRecord';
import { readNeededLines } from './neededLines';
import { fileHints } from './sessionFiles';
import { scannerFor } from './scanSessions';

interface TailState {
	offset: number;
	size: number;
	readonly ledger: CallLedger;
	readonly scanner: UsageScanner;
}

/** At most this many files are followed at once (the running session, and a few before it). */
const maxFollowed = 8;

export class SessionTailer {
	private readonly states = new Map<string, TailState>();

	constructor(
		private readonly count: (model: string, text: string) => number,
		private readonly agentRootOf: (agent: AgentId, path: string) => string | undefined,
	) {}

	/** Reads what was appended to `file` since the last call, and returns the file's totals. */
	async tail(file: SessionFileRef, catalog: PriceCatalog, timeZone: string): Promise<SessionTailResult> {
		let state = this.states.get(file.path);
		const { size, mtimeMs } = statSync(file.path);
		if (state && size < state.size) state = undefined; // rewritten or truncated: start over
		if (!state) {
			const root = this.agentRootOf(file.agent, file.path);
			const segments = root !== undefined ? file.path.slice(root.length + 1).split(/[\\/]/) : file.path.split(/[\\/]/).slice(-2);
			const ledger = new CallLedger();
			state = { offset: 0, size: 0, ledger, scanner: scannerFor({ agent: file.agent, hints: fileHints(file.agent, root ?? '', segments) }, ledger) };
			this.states.delete(file.path);
			this.states.set(file.path, state);
			while (this.states.size > maxFollowed) this.states.delete(this.states.keys().next().value as string);
		}
		const before = state.offset;
		const read = await readNeededLines(file.path, state.scanner, { from: state.offset, includePartialLast: false });
		state.offset = read.endOffset;
		state.size = size;
		const summary = state.scanner.finish();
		state.ledger.correctPlaceholders(this.count);
		const totals = groupCalls(priceCalls(state.ledger.calls(), catalog, new TimeBuckets(timeZone)), { group: 'session' });
		const t = totals.totals;
		const group = totals.groups[totals.groups.length - 1];
		return {
			file,
			...(summary.sessionId !== undefined && { sessionId: summary.sessionId }),
			...(summary.project !== undefined && { project: summary.project }),
			calls: t.calls,
			usage: t.usage,
			costUsd: t.computedCostUsd,
			approximate: t.approximate,
			placeholderCalls: t.placeholderCalls,
			models: [...new Set(totals.groups.flatMap(g => g.models))],
			...(group?.lastAt !== undefined && { lastAt: group.lastAt }),
			offset: state.offset,
			readBytes: state.offset - before,
			modifiedMs: mtimeMs,
		};
	}
}
