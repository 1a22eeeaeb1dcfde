/**
 * The per-file summary `agent-cost report` prints (and the transcript report view shows): counts,
 * usage in the normalized convention, recorded vs computed cost, and every warning of the import
 * and the accounting.
 */
import type { TranscriptAccount } from './accounting';
import type { ApiDialect, Transcript, TranscriptFormat, TranscriptWarningCode, UsageSource } from './model';

interface ReportUsage {
	/** TOTAL input tokens (cache reads and writes included). */
	readonly input: number;
	readonly cacheRead: number;
	/** 5-minute + 1-hour cache writes. */
	readonly cacheWrite: number;
	/** Output tokens, reasoning included. */
	readonly output: number;
	readonly reasoning: number;
	/** Uses of provider-run tools billed per use (web search…), by tool; absent when none. */
	readonly serverTools?: Readonly<Record<string, number>>;
}

export interface TranscriptReportEntry {
	readonly file: string;
	readonly format: TranscriptFormat;
	readonly dialects?: readonly ApiDialect[];
	readonly calls: number;
	readonly models: readonly string[];
	readonly usage: ReportUsage;
	/** How the calls' usage was obtained, e.g. {"recorded": 12, "placeholder-output": 3}. */
	readonly usageSources: Partial<Record<UsageSource, number>>;
	/** Some numbers are estimates (counted, rounded, placeholder-corrected): shown with ≈. */
	readonly approximate: boolean;
	/** Null when the file records no cost. */
	readonly recordedCostUsd: number | null;
	/** Usage × prices; null when no call could be priced. */
	readonly computedCostUsd: number | null;
	/** False when some calls or server-tool fees have no price (then computedCostUsd covers the priced ones only). */
	readonly computedCostComplete: boolean;
	readonly warnings: readonly { readonly code: TranscriptWarningCode; readonly message: string; readonly line?: number }[];
}

/** The report entry of one imported and accounted file. */
export function reportEntry(t: Transcript, account: TranscriptAccount, file: string = t.file ?? ''): TranscriptReportEntry {
	const sources: Partial<Record<UsageSource, number>> = {};
	for (const c of t.calls) sources[c.usageSource] = (sources[c.usageSource] ?? 0) + 1;
	const u = account.usage;
	return {
		file,
		format: t.format,
		...(t.dialects !== undefined && t.dialects.length > 0 && { dialects: t.dialects }),
		calls: t.calls.length,
		models: t.models,
		usage: { input: u.input, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite5m + u.cacheWrite1h, output: u.output, reasoning: u.reasoning, ...(u.serverTools && { serverTools: u.serverTools }) },
		usageSources: sources,
		approximate: account.computedEstimated,
		recordedCostUsd: account.recordedUsd,
		computedCostUsd: account.computedUsd,
		computedCostComplete: account.computedComplete && account.unpricedFees.length === 0,
		warnings: [...t.warnings, ...account.warnings].map(w => ({ code: w.code, message: w.message, ...(w.line !== undefined && { line: w.line }) })),
	};
}
