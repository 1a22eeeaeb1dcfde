/**
 * Everything between "where are the logs" and "what did it cost": list the files, scan them into
 * one ledger (each call once), correct Claude Code's placeholder outputs, price every call at its
 * date. The CLI and the engine worker both start here.
 */
import type { PriceCatalog } from '../../core/pricing/types';
import { CallLedger, type PlaceholderCorrection } from '../../core/sessions/callLedger';
import { type PricedCall, priceCalls } from '../../core/sessions/sessionReport';
import { TimeBuckets } from '../../core/sessions/timeBuckets';
import type { AgentRoot } from './agentDirs';
import { listSessionFiles } from './sessionFiles';
import { type ScannedFile, type ScanProgress, scanSessionFiles } from './scanSessions';

export interface CollectOptions {
	readonly roots: readonly AgentRoot[];
	readonly catalog: PriceCatalog;
	readonly timeZone: string;
	/** Counts a placeholder response's text; without it placeholder outputs stay as recorded (still flagged). */
	readonly count?: (model: string, text: string) => number;
	readonly signal?: AbortSignal;
	readonly onProgress?: (p: ScanProgress) => void;
}

export interface CollectedSessions {
	readonly priced: readonly PricedCall[];
	readonly files: readonly ScannedFile[];
	/** Folders or files that could not be read. */
	readonly problems: readonly string[];
	readonly placeholders: PlaceholderCorrection;
	readonly buckets: TimeBuckets;
}

export async function collectAgentSessions(options: CollectOptions): Promise<CollectedSessions> {
	const buckets = new TimeBuckets(options.timeZone);
	const listed = await listSessionFiles(options.roots, options.signal);
	const ledger = new CallLedger();
	const files = await scanSessionFiles(listed.files, ledger, { ...(options.signal && { signal: options.signal }), ...(options.onProgress && { onProgress: options.onProgress }) });
	const placeholders = ledger.correctPlaceholders(options.count ?? (() => 0));
	const priced = priceCalls(ledger.calls(), options.catalog, buckets);
	return { priced, files, problems: listed.problems, placeholders, buckets };
}
