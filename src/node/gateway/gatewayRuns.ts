/**
 * The gateway's runs in memory — calls, tokens, cost, decisions and budget per run — for the
 * control API, the status bar and the Spend view of every attached window; and their recordings,
 * one `*.agent-cost.jsonl` file per run in the workspace's recordings folder.
 */
import { join } from 'node:path';
import type { BudgetStatus } from '../../core/budget/budgetGuard';
import type { GatewayRunBudget, GatewayRunSummary, GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import type { RecordedInputs } from '../../core/gateway/recordedInput';
import type { RunAssignment } from '../../core/gateway/runGrouping';
import { serializeRecordedRun } from '../../core/transcripts/recording';
import { appendLines } from '../jsonlCallRecorder';
import { ensureRecordingsDir } from '../recordingsDir';

export interface CallTally {
	readonly outcome: 'ok' | 'cacheHit' | 'refused' | 'error' | 'cancelled';
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly costUsd?: number;
	readonly estimated: boolean;
	readonly unpriced: boolean;
	/** Enforce mode: what the policy did to this call, when it changed anything. */
	readonly decision?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface RunEntry {
	readonly summary: Mutable<GatewayRunSummary>;
	readonly inputs: RecordedInputs;
	/** Recording appends of this run, in call order. */
	queue: Promise<void>;
}

/** The budget as the snapshot carries it. */
export function runBudgetOf(s: BudgetStatus, warnThreshold: number): GatewayRunBudget {
	return {
		kind: s.kind,
		policy: s.policy,
		spent: s.run.spent,
		reserved: s.run.reserved,
		limit: s.run.limit,
		ratio: s.ratio,
		warnThreshold,
		steps: s.steps,
		daily: { spent: s.daily.spent, reserved: s.daily.reserved, limit: s.daily.limit },
	};
}

/** The recording file of a run. */
function runRecordingFile(dir: string, runId: string): string {
	return join(dir, `gateway-${runId}.agent-cost.jsonl`);
}

/** Runs kept in memory (the oldest idle ones are dropped first; their recordings stay on disk). */
const maxRuns = 200;

export class GatewayRuns {
	private readonly runs = new Map<string, RunEntry>();
	private readonly listeners = new Set<() => void>();
	private live: string | undefined;
	/** Recording folders made (with their .gitignore) by this gateway. */
	private readonly readyDirs = new Set<string>();

	constructor(
		private readonly newInputs: () => RecordedInputs,
		/** Writer name for the run header of a new recording file. */
		private readonly writer: string,
	) {}

	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private changed(): void {
		for (const l of this.listeners) {
			try {
				l();
			} catch {
				// a listener's bug must not fail a call
			}
		}
	}

	/** The run of an assignment (created on its first call); `recordDir` undefined: not recorded. */
	enter(a: RunAssignment, agent: string, recordDir: string | undefined, now: number): RunEntry {
		let r = this.runs.get(a.runId);
		if (!r) {
			r = {
				summary: {
					runId: a.runId,
					label: a.label,
					source: a.source,
					agent,
					...(recordDir !== undefined && { recordingFile: runRecordingFile(recordDir, a.runId) }),
					startedAt: new Date(a.startedAt).toISOString(),
					lastAt: new Date(now).toISOString(),
					calls: 0,
					inFlight: 0,
					refused: 0,
					errors: 0,
					cacheHits: 0,
					inputTokens: 0,
					outputTokens: 0,
					costUsd: 0,
					estimated: false,
					unpricedCalls: 0,
					decisions: 0,
				},
				inputs: this.newInputs(),
				queue: Promise.resolve(),
			};
			this.runs.set(a.runId, r);
			this.evict();
		}
		r.summary.inFlight++;
		r.summary.lastAt = new Date(now).toISOString();
		this.live = a.runId;
		this.changed();
		return r;
	}

	private evict(): void {
		if (this.runs.size <= maxRuns) return;
		const idle = [...this.runs.values()].filter(r => r.summary.inFlight === 0).sort((a, b) => a.summary.lastAt.localeCompare(b.summary.lastAt));
		for (const r of idle.slice(0, this.runs.size - maxRuns)) this.runs.delete(r.summary.runId);
	}

	/** A call of the run ended (however it ended). */
	finish(runId: string, t: CallTally, now: number): void {
		const r = this.runs.get(runId);
		if (!r) return;
		const s = r.summary;
		s.inFlight = Math.max(0, s.inFlight - 1);
		s.lastAt = new Date(now).toISOString();
		if (t.outcome === 'refused') s.refused++;
		else {
			s.calls++;
			if (t.outcome === 'cacheHit') s.cacheHits++;
			if (t.outcome === 'error' || t.outcome === 'cancelled') s.errors++;
		}
		s.inputTokens += t.inputTokens;
		s.outputTokens += t.outputTokens;
		if (t.costUsd !== undefined) s.costUsd += t.costUsd;
		if (t.unpriced) s.unpricedCalls++;
		if (t.estimated) s.estimated = true;
		if (t.decision !== undefined) {
			s.decisions++;
			s.lastDecision = t.decision;
		}
		this.changed();
	}

	/** The run's budget as last read from the store. */
	setBudget(runId: string, budget: GatewayRunBudget): void {
		const r = this.runs.get(runId);
		if (!r) return;
		r.summary.budget = budget;
		this.changed();
	}

	/**
	 * Appends a call's recording lines to its run's file (a new file starts with the run header and
	 * its folder gets a `.gitignore`). Appends of one run are written in call order.
	 */
	record(runId: string, lines: string, agentUserAgent: string): Promise<void> {
		const r = this.runs.get(runId);
		const file = r?.summary.recordingFile;
		if (!r || !file || lines === '') return Promise.resolve();
		const dir = join(file, '..');
		const header = () => serializeRecordedRun({ runId, startedAt: r.summary.startedAt, agent: agentUserAgent ? `${agentUserAgent} via ${this.writer}` : this.writer, title: r.summary.label });
		const next = r.queue.then(async () => {
			if (!this.readyDirs.has(dir)) {
				await ensureRecordingsDir(dir);
				this.readyDirs.add(dir);
			}
			await appendLines(file, lines, { header });
		});
		r.queue = next.catch(() => undefined);
		return next;
	}

	inputsOf(runId: string): RecordedInputs | undefined {
		return this.runs.get(runId)?.inputs;
	}

	/** Waits for every pending recording append. */
	async flush(): Promise<void> {
		await Promise.all([...this.runs.values()].map(r => r.queue));
	}

	get inFlight(): number {
		let n = 0;
		for (const r of this.runs.values()) n += r.summary.inFlight;
		return n;
	}

	snapshot(meta: Omit<GatewaySnapshot, 'runs' | 'liveRunId' | 'v'>): GatewaySnapshot {
		const runs = [...this.runs.values()].map(r => ({ ...r.summary })).sort((a, b) => b.lastAt.localeCompare(a.lastAt));
		return { v: 1, ...meta, ...(this.live !== undefined && this.runs.has(this.live) && { liveRunId: this.live }), runs: runs.slice(0, 50) };
	}
}
