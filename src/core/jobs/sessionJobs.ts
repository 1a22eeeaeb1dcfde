/**
 * The engine-worker jobs behind the Agent Sessions view, the running-session status item and the
 * archive command. Session logs are read (and archived) in the worker; the extension host only
 * gets these summaries.
 */
import type { JobSpec } from './jobProtocol';
import type { PriceOverrides } from '../pricing/overrides';
import type { AgentId } from '../sessions/agents';
import type { UsageTotals } from '../sessions/sessionReport';

/** Where to look, as the settings say (the worker adds the agents' default places and variables). */
export interface SessionFolders {
	readonly claude: readonly string[];
	readonly codex: readonly string[];
	readonly gemini: readonly string[];
	readonly pi: readonly string[];
}

export interface SessionsScanParams {
	readonly folders: SessionFolders;
	/** IANA zone for the calendar (today, this week, this month). */
	readonly timeZone: string;
	readonly overrides?: PriceOverrides;
	/** The archive folder, to tell which sessions already have a copy there. */
	readonly archiveFolder?: string;
	/** Count sessions at risk of Claude Code's cleanup within this many days (0: do not). */
	readonly retentionNoticeDays: number;
}

interface SessionsScanProgress {
	readonly files: number;
	readonly totalFiles: number;
}

/** One session, its calls deduplicated over every file that repeats them. */
export interface AgentSessionSummary {
	readonly agent: AgentId;
	readonly sessionId: string;
	/** The folder the agent worked in (or the agent's project folder name). */
	readonly project?: string;
	readonly firstAt?: string;
	readonly lastAt?: string;
	/** Local date (the scan's time zone) of the last call. */
	readonly lastDay?: string;
	readonly calls: number;
	readonly sidechainCalls: number;
	readonly models: readonly string[];
	readonly usage: UsageTotals;
	/** USD of the priced calls; null when none could be priced. */
	readonly costUsd: number | null;
	readonly unpricedCalls: number;
	readonly approximate: boolean;
	readonly placeholderCalls: number;
	/** The session's own log file (what the report and replay open). */
	readonly file: string;
	/** Every file that holds calls of this session (subagents, copies). */
	readonly files: readonly string[];
}

export interface PeriodTotals {
	readonly sessions: number;
	readonly calls: number;
	readonly costUsd: number | null;
	readonly approximate: boolean;
}

/** Claude Code deletes session logs older than `cleanupPeriodDays` (its settings.json) when it starts. */
export interface RetentionRisk {
	readonly agent: 'claude';
	readonly cleanupPeriodDays: number;
	/** Where the setting was read (absent: the default). */
	readonly settingsFile?: string;
	/** Session files Claude Code will delete within the notice period, and not archived. */
	readonly files: number;
	/** Days until the first of them goes (0: at Claude Code's next start). */
	readonly soonestInDays: number;
}

export interface SessionsSnapshot {
	readonly scannedAt: string;
	readonly timeZone: string;
	readonly today: string;
	readonly sessions: readonly AgentSessionSummary[];
	readonly totals: { readonly today: PeriodTotals; readonly week: PeriodTotals; readonly month: PeriodTotals };
	/** The folders searched. */
	readonly folders: readonly { readonly agent: AgentId; readonly dir: string }[];
	readonly warnings: readonly string[];
	readonly retention: readonly RetentionRisk[];
}

export interface SessionFileRef {
	readonly agent: AgentId;
	readonly path: string;
}

/** The session the agents are running in a folder now: the most recently written session file for it. */
interface CurrentSessionParams {
	readonly folders: SessionFolders;
	readonly workspace: string;
}

interface SessionTailParams {
	readonly file: SessionFileRef;
	readonly timeZone: string;
	readonly overrides?: PriceOverrides;
}

/** One session file's totals, read incrementally: each call reads only what was appended since the last. */
export interface SessionTailResult {
	readonly file: SessionFileRef;
	readonly sessionId?: string;
	readonly project?: string;
	readonly calls: number;
	readonly usage: UsageTotals;
	readonly costUsd: number | null;
	readonly approximate: boolean;
	readonly placeholderCalls: number;
	readonly models: readonly string[];
	readonly lastAt?: string;
	/** Bytes of the file read so far (the next tail starts there). */
	readonly offset: number;
	/** Bytes read by this call only. */
	readonly readBytes: number;
	/** When the file was last written (ms since the epoch). */
	readonly modifiedMs: number;
}

interface ArchiveParams {
	readonly dest: string;
	readonly folders: SessionFolders;
}

interface ArchiveProgress {
	readonly files: number;
	readonly totalFiles: number;
}

export interface ArchiveResult {
	readonly dest: string;
	/** Files compressed into the archive this time. */
	readonly copied: number;
	/** Files whose archived copy was already up to date. */
	readonly unchanged: number;
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly failed: readonly string[];
}

export interface SessionJobs {
	readonly 'sessions/scan': JobSpec<SessionsScanParams, SessionsScanProgress, SessionsSnapshot>;
	readonly 'sessions/current': JobSpec<CurrentSessionParams, never, SessionFileRef | null>;
	readonly 'sessions/tail': JobSpec<SessionTailParams, never, SessionTailResult>;
	readonly 'sessions/archive': JobSpec<ArchiveParams, ArchiveProgress, ArchiveResult>;
}
