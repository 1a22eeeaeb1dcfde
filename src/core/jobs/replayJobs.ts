import type { JobSpec } from './jobProtocol';
import { EngineError } from '../lib/errors';
import type { PriceOverrides } from '../pricing/overrides';
import type { Usage } from '../pricing/usage';
import type { TranscriptReportEntry } from '../transcripts/reportEntry';
import type { UsageSource } from '../transcripts/model';
import type { ReplayComparison, SweepResult } from '../replay/comparison';
import type { ReplayScenario, SweepParameter } from '../replay/scenario';

/** One row of the transcript report's per-call table. */
export interface ReportCallRow {
	readonly index: number;
	readonly model: string;
	readonly thread: string;
	readonly sidechain?: string;
	readonly usage: Usage;
	readonly usageSource: UsageSource;
	readonly usageExact: boolean;
	readonly recordedCostUsd?: number;
	/** Null when the model has no price. */
	readonly computedCostUsd: number | null;
	readonly startedAt?: string;
}

/** What opening a transcript in the engine worker returns. */
export interface OpenedTranscript {
	/** Handle for later replay jobs (valid while the worker keeps the run; see {@link ReplayJobError}). */
	readonly transcriptId: string;
	readonly report: TranscriptReportEntry;
	readonly calls: readonly ReportCallRow[];
	readonly threads: readonly string[];
	readonly startedAt?: string;
	readonly endedAt?: string;
}

export interface ReplayProgress {
	/** Steps simulated so far over all scenarios of the job, and in total. */
	readonly done: number;
	readonly total: number;
}

export interface TranscriptImportProgress {
	readonly bytesRead: number;
	readonly totalBytes: number;
	readonly calls: number;
}

/** The jobs the engine worker runs for the replay panel and the transcript report. */
export interface ReplayJobs {
	readonly 'transcript/open': JobSpec<
		{ readonly path: string; readonly displayName?: string; readonly model?: string; readonly overrides?: PriceOverrides },
		TranscriptImportProgress,
		OpenedTranscript
	>;
	readonly 'replay/compare': JobSpec<{ readonly transcriptId: string; readonly scenarios: readonly ReplayScenario[] }, ReplayProgress, ReplayComparison>;
	readonly 'replay/sweep': JobSpec<
		{ readonly transcriptId: string; readonly base: ReplayScenario; readonly parameter: SweepParameter; readonly values: readonly number[] },
		ReplayProgress,
		SweepResult
	>;
	readonly 'transcript/close': JobSpec<{ readonly transcriptId: string }, never, null>;
}

/**
 * `unknownTranscript`: the worker no longer holds the run (it restarted, or evicted it) — open it
 * again and retry.
 */
/** `unknownModel`: a scenario names a model the price data does not know (the message names the closest ids). */
export class ReplayJobError extends EngineError<'unknownTranscript' | 'unknownModel'> {
	readonly kind = 'replayJob';
	static is(e: unknown, reason?: ReplayJobError['reason']): e is ReplayJobError {
		return e instanceof ReplayJobError && (reason === undefined || e.reason === reason);
	}
}
