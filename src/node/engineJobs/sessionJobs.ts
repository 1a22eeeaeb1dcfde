import type { JobHandlers } from '../../core/jobs/jobProtocol';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { createPriceCatalog } from '../../core/pricing/catalog';
import type { PriceOverrides } from '../../core/pricing/overrides';
import type { PriceCatalog } from '../../core/pricing/types';
import type { SessionJobs } from '../../core/jobs/sessionJobs';
import { tokenCounter } from '../../core/tokens/count';
import { archiveSessionFiles } from '../sessions/archiveSessions';
import { findCurrentSession } from '../sessions/currentSession';
import { placeholderCounter } from '../sessions/placeholderCounter';
import { listSessionFiles } from '../sessions/sessionFiles';
import { rootOf, rootsFor, SessionIndex } from '../sessions/sessionIndex';
import { SessionTailer } from '../sessions/sessionTailer';

/**
 * Agent-session jobs for the engine worker: the index of every session (incremental between
 * scans), the running session's file followed by tails, and the archive. Reads only.
 */
export function createSessionJobHandlers(options: { counter?: TokenCounter; env?: Readonly<Record<string, string | undefined>> } = {}): JobHandlers<SessionJobs> {
	const env = options.env ?? process.env;
	const count = placeholderCounter(() => options.counter ?? tokenCounter);
	const index = new SessionIndex(count, env);
	let roots = rootsFor({ claude: [], codex: [], gemini: [], pi: [] }, env);
	const tailer = new SessionTailer(count, (agent, path) => rootOf(roots, agent, path));
	let catalog: { key: string; catalog: PriceCatalog } | undefined;
	const catalogFor = (overrides: PriceOverrides | undefined): PriceCatalog => {
		const key = JSON.stringify(overrides ?? {});
		if (catalog?.key !== key) catalog = { key, catalog: createPriceCatalog({ overrides: overrides ?? {} }) };
		return catalog.catalog;
	};
	return {
		async 'sessions/scan'(params, ctx) {
			roots = rootsFor(params.folders, env);
			return index.scan(params, catalogFor(params.overrides), { signal: ctx.signal, onProgress: (files, totalFiles) => ctx.progress({ files, totalFiles }) });
		},
		'sessions/current'({ folders, workspace }) {
			roots = rootsFor(folders, env);
			return findCurrentSession(roots, workspace);
		},
		async 'sessions/tail'({ file, timeZone, overrides }) {
			return tailer.tail(file, catalogFor(overrides), timeZone);
		},
		async 'sessions/archive'({ dest, folders }, ctx) {
			const listed = await listSessionFiles(rootsFor(folders, env), ctx.signal);
			return archiveSessionFiles(listed.files, dest, { signal: ctx.signal, onProgress: (files, totalFiles) => ctx.progress({ files, totalFiles }) });
		},
	};
}
