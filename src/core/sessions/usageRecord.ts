/**
 * What the session scanners extract from an agent's log files: one {@link UsageRecord} per API call
 * as written in ONE file (the same call copied into several files yields several records with the
 * same key; {@link CallLedger} keeps one). Everything else in the files — prompts, tool output —
 * is skipped unread where the format allows it.
 */
import type { Usage } from '../pricing/usage';
import type { AgentId } from './agents';

export interface UsageRecord {
	readonly agent: AgentId;
	/** Identifies the API call across files: Claude Code message id + request id, Codex event time + numbers, Gemini message id, pi message time + numbers. */
	readonly key: string;
	/** The session the call is billed to: a subagent's / sidechain's calls carry their PARENT session. */
	readonly sessionId: string;
	/** Set when the call was made by a subagent (sidechain) of `sessionId`. */
	readonly sidechain?: boolean;
	/** The working folder of the session, when the log says. */
	readonly project?: string;
	/** '' when the log names none (priced as unknown, never as $0). */
	readonly model: string;
	/** Provider id for pricing when the log tells ("anthropic", "openai", "google"). */
	readonly provider?: string;
	/** ISO-8601. */
	readonly at?: string;
	readonly usage: Usage;
	/**
	 * False when the recorded output count may be a streaming placeholder (Claude Code writes 1–3
	 * tokens on every line of a response and the final count only on a line with a stop_reason).
	 */
	readonly final: boolean;
	/** Claude Code: the line that carried this copy of the call, and the text it generated (to estimate a placeholder's real output). */
	readonly lineId?: string;
	readonly text?: string;
	/** The text already counted (a cache that keeps numbers, not texts). */
	readonly textTokens?: number;
}

/** What a scanner learned about one file besides its calls. */
export interface FileSummary {
	/** The session the file belongs to (its own id, or its parent's for a subagent file). */
	readonly sessionId?: string;
	readonly project?: string;
	/** Lines that were copies of calls already counted from another file (skipped unparsed). */
	readonly duplicateLines: number;
	/** Problems worth a warning: damaged lines, a line cut off mid-write. */
	readonly warnings: readonly string[];
}

/** What the path of a file says (the Node side knows the folder layout of each agent). */
export interface FileHints {
	/** The file's own session id from its name, when the content may not say. */
	readonly sessionId?: string;
	/** A subagent file's parent session (Gemini CLI: `chats/<parent>/<id>.jsonl`). */
	readonly parentSessionId?: string;
	/** The project as the folder layout says (Claude Code's `projects/<slug>`, Gemini's `tmp/<project>`). */
	readonly project?: string;
}

/** Lets a scanner skip a line that repeats one already counted (checked before parsing it). */
export interface SeenLines {
	hasLine(key: string, lineId: string): boolean;
}

/** Reads one file's lines (or its whole text, for single-document formats) and emits its calls. */
export interface UsageScanner {
	/**
	 * Only lines containing one of these strings carry what the scanner needs; the reader may skip
	 * every other line without decoding it. Empty: every line is needed.
	 */
	readonly needles: readonly string[];
	/**
	 * A line whose first `headBytes` bytes contain one of these is of a kind the scanner never
	 * needs, and is skipped without looking further (Claude Code's `"type":"user"` lines, which
	 * name their type before their content).
	 */
	readonly skipHeads?: readonly string[];
	/** @default 512 */
	readonly headBytes?: number;
	/** The first line is needed whatever it contains (a header with the session id and folder). */
	readonly wantsFirstLine: boolean;
	/** One line without its line break; `terminated` is false for a last line with no newline (being written). */
	line(text: string, terminated: boolean): void;
	/** A single-document file (Gemini CLI's older JSON), whole, instead of lines. */
	wholeFile?(text: string): void;
	finish(): FileSummary;
}

export type ScannerFactory = (hints: FileHints, emit: (r: UsageRecord) => void, seen: SeenLines) => UsageScanner;
