/**
 * The engine worker's index of every agent session: a scan reads only files that changed since
 * the previous scan (size or modification time) and replays the calls it kept for the others, so
 * refreshing the Agent Sessions view costs the growth of the history, not its size. Kept per file
 * are the usage records — numbers, with the text of a placeholder response already counted —
 * never prompts or answers.
 */
import { basename } from 'node:path';
import type { PriceCatalog } from '../../core/pricing/types';
import type { AgentId } from '../../core/sessions/agents';
import { CallLedger } from '../../core/sessions/callLedger';
import type { AgentSessionSummary, PeriodTotals, RetentionRisk, SessionsScanParams, SessionsSnapshot } from '../../core/jobs/sessionJobs';
import { groupCalls, priceCalls, type SessionsTotals } from '../../core/sessions/sessionReport';
import { TimeBuckets } from '../../core/sessions/timeBuckets';
import type { UsageRecord } from '../../core/sessions/usageRecord';
import { type AgentRoot, agentRoots } from './agentDirs';
import { unarchived } from './archiveSessions';
import { claudeCleanupPeriod, daysUntilCleanup } from './claudeRetention';
import { listSessionFiles, type SessionFile } from './sessionFiles';
import { type ScannedFile, scanSessionFile } from './scanSessions';

interface Cached {
	readonly size: number;
	readonly mtimeMs: number;
	readonly records: readonly UsageRecord[];
	readonly scanned: ScannedFile;
}

function period(t: SessionsTotals): PeriodTotals {
	return { sessions: t.sessions, calls: t.calls, costUsd: t.computedCostUsd, approximate: t.approximate };
}

/** The roots a scan searches: the agents' own places plus the settings' folders. */
export function rootsFor(folders: SessionsScanParams['folders'], env: Readonly<Record<string, string | undefined>>): AgentRoot[] {
	return agentRoots({ env, extra: { claude: folders.claude, codex: folders.codex, gemini: folders.gemini, pi: folders.pi } });
}

export class SessionIndex {
	private readonly cache = new Map<string, Cached>();
	/** Counted placeholder lines, by call key and line: a copy in another file is not counted again. */
	private readonly counted = new Map<string, number>();

	constructor(
		private readonly count: (model: string, text: string) => number,
		private readonly env: Readonly<Record<string, string | undefined>>,
	) {}

	async scan(params: SessionsScanParams, catalog: PriceCatalog, options: { signal?: AbortSignal; onProgress?: (files: number, total: number) => void; now?: Date } = {}): Promise<SessionsSnapshot> {
		const buckets = new TimeBuckets(params.timeZone);
		const roots = rootsFor(params.folders, this.env);
		const listed = await listSessionFiles(roots, options.signal);
		const ledger = new CallLedger();
		const filesOfSession = new Map<string, Set<string>>();
		const seen = new Set<string>();
		let done = 0;
		for (const file of listed.files) {
			seen.add(file.path);
			let cached = this.cache.get(file.path);
			if (!cached || cached.size !== file.size || cached.mtimeMs !== file.mtimeMs) {
				const records: UsageRecord[] = [];
				// Every line is kept (no skipping of lines counted from other files): this file's
				// records must stand on their own when another file changes or goes away.
				const scanned = await scanSessionFile(file, { add: r => records.push(this.compact(r)), hasLine: () => false }, options.signal);
				cached = { size: file.size, mtimeMs: file.mtimeMs, records, scanned };
				this.cache.set(file.path, cached);
			}
			for (const r of cached.records) {
				ledger.add(r);
				const id = `${r.agent}\u0000${r.sessionId}`;
				let set = filesOfSession.get(id);
				if (!set) filesOfSession.set(id, (set = new Set()));
				set.add(file.path);
			}
			options.onProgress?.(++done, listed.files.length);
		}
		for (const path of [...this.cache.keys()]) if (!seen.has(path)) this.cache.delete(path);
		ledger.correctPlaceholders(this.count);
		const priced = priceCalls(ledger.calls(), catalog, buckets);
		const now = options.now ?? new Date();
		const today = buckets.day(now.toISOString())!;
		const bySession = groupCalls(priced, { group: 'session' });
		const sizes = new Map(listed.files.map(f => [f.path, f.size]));
		const sessions: AgentSessionSummary[] = bySession.groups.map(g => {
			const files = [...(filesOfSession.get(`${g.agent}\u0000${g.key}`) ?? [])];
			const own = files.find(f => basename(f).includes(g.key)) ?? [...files].sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0))[0] ?? '';
			return {
				agent: g.agent,
				sessionId: g.key,
				...(g.project !== undefined && { project: g.project }),
				...(g.firstAt !== undefined && { firstAt: g.firstAt }),
				...(g.lastAt !== undefined && { lastAt: g.lastAt, lastDay: buckets.day(g.lastAt) }),
				calls: g.calls,
				sidechainCalls: g.sidechainCalls ?? 0,
				models: g.models,
				usage: g.usage,
				costUsd: g.computedCostUsd,
				unpricedCalls: g.unpricedCalls,
				approximate: g.approximate,
				placeholderCalls: g.placeholderCalls,
				file: own,
				files,
			};
		});
		const week = TimeBuckets.weekOf(today);
		const month = `${TimeBuckets.monthOf(today)}-01`;
		return {
			scannedAt: now.toISOString(),
			timeZone: buckets.timeZone,
			today,
			sessions,
			totals: {
				today: period(groupCalls(priced, { group: 'day', since: today, until: today }).totals),
				week: period(groupCalls(priced, { group: 'day', since: week, until: today }).totals),
				month: period(groupCalls(priced, { group: 'day', since: month, until: today }).totals),
			},
			folders: roots.map(r => ({ agent: r.agent, dir: r.dir })),
			warnings: [...listed.problems, ...[...this.cache.values()].flatMap(c => c.scanned.warnings.map(w => `${c.scanned.path}: ${w}`))],
			retention: params.retentionNoticeDays > 0 ? this.retention(roots, listed.files, params, now.getTime()) : [],
		};
	}

	/** Claude Code session files its cleanup deletes within the notice period and that have no archived copy. */
	private retention(roots: readonly AgentRoot[], files: readonly SessionFile[], params: SessionsScanParams, now: number): RetentionRisk[] {
		const out: RetentionRisk[] = [];
		for (const root of roots.filter(r => r.agent === 'claude')) {
			const cleanup = claudeCleanupPeriod(root.dir);
			if (cleanup.days <= 0) continue;
			const soon = files.filter(f => f.root === root.dir && daysUntilCleanup(f.mtimeMs, cleanup.days, now) <= params.retentionNoticeDays);
			const atRisk = unarchived(soon, params.archiveFolder || undefined);
			if (atRisk.length === 0) continue;
			out.push({
				agent: 'claude',
				cleanupPeriodDays: cleanup.days,
				...(cleanup.file !== undefined && { settingsFile: cleanup.file }),
				files: atRisk.length,
				soonestInDays: Math.min(...atRisk.map(f => daysUntilCleanup(f.mtimeMs, cleanup.days, now))),
			});
		}
		return out;
	}

	/** A record as the cache keeps it: a placeholder line's text replaced by its count. */
	private compact(r: UsageRecord): UsageRecord {
		if (r.text === undefined) return r;
		const { text, ...rest } = r;
		if (r.final || r.lineId === undefined) return rest;
		const id = `${r.key}\u0001${r.lineId}`;
		let tokens = this.counted.get(id);
		if (tokens === undefined) this.counted.set(id, (tokens = this.count(r.model, text)));
		return { ...rest, textTokens: tokens };
	}
}

/** The agent folder a file lives in, among the roots (for a tail's path hints). */
export function rootOf(roots: readonly AgentRoot[], agent: AgentId, path: string): string | undefined {
	return roots.filter(r => r.agent === agent && path.startsWith(r.dir)).sort((a, b) => b.dir.length - a.dir.length)[0]?.dir;
}
