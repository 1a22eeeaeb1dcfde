/**
 * Claude Code deletes session logs that have not been written for `cleanupPeriodDays` days (its
 * settings.json, 30 by default) each time it starts. This reads the setting next to each projects
 * folder and says which session files go within a notice period.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const claudeDefaultCleanupDays = 30;
const dayMs = 24 * 60 * 60 * 1000;

export interface ClaudeCleanup {
	readonly days: number;
	/** The settings file that set it (absent: the default applies). */
	readonly file?: string;
	/** The setting exists but could not be used. */
	readonly problem?: string;
}

/** The cleanup period that applies to a Claude Code projects folder (`<config dir>/projects`). */
export function claudeCleanupPeriod(projectsDir: string): ClaudeCleanup {
	const file = join(dirname(projectsDir), 'settings.json');
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return { days: claudeDefaultCleanupDays };
	}
	try {
		const days = (JSON.parse(text) as { cleanupPeriodDays?: unknown }).cleanupPeriodDays;
		if (days === undefined) return { days: claudeDefaultCleanupDays, file };
		if (typeof days === 'number' && Number.isFinite(days) && days >= 0) return { days, file };
		return { days: claudeDefaultCleanupDays, file, problem: `cleanupPeriodDays is ${JSON.stringify(days)}, not a number of days` };
	} catch {
		return { days: claudeDefaultCleanupDays, file, problem: 'not valid JSON' };
	}
}

/** Days (≥ 0) until a file last written at `mtimeMs` is older than the cleanup period. */
export function daysUntilCleanup(mtimeMs: number, cleanupDays: number, now: number): number {
	return Math.max(0, Math.floor((mtimeMs + cleanupDays * dayMs - now) / dayMs));
}
