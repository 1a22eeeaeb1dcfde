import { EngineError } from '../lib/errors';
import type { TranscriptFormat } from './model';

/**
 * Why a transcript could not be imported:
 * - `unknownFormat`: no importer recognized the content (`formatsTried` lists them);
 * - `malformed`: not valid JSON / JSONL / Markdown of the format (`line` and `column` when known);
 * - `truncated`: the file ends in the middle of a JSON document;
 * - `badStructure`: valid JSON of the right format but a required part is missing or has the wrong type;
 * - `empty`: nothing to import;
 * - `tooLarge`: over the size limit of whole-document parsing;
 * - `unreadable`: the file could not be read (Node side);
 * - `internal`: an importer bug caught by the safety net (never expected; the fuzz test asserts it).
 */
export type TranscriptImportReason = 'unknownFormat' | 'malformed' | 'truncated' | 'badStructure' | 'empty' | 'tooLarge' | 'unreadable' | 'internal';

export interface TranscriptErrorDetails {
	readonly file?: string;
	readonly line?: number;
	readonly column?: number;
	readonly format?: TranscriptFormat;
	readonly formatsTried?: readonly TranscriptFormat[];
	readonly cause?: unknown;
}

/** The only error the importers throw. Messages name the file and line; callers branch on `reason`. */
export class TranscriptImportError extends EngineError<TranscriptImportReason> {
	readonly kind = 'transcriptImport';
	readonly file?: string;
	readonly line?: number;
	readonly column?: number;
	readonly format?: TranscriptFormat;
	readonly formatsTried?: readonly TranscriptFormat[];

	constructor(reason: TranscriptImportReason, message: string, details: TranscriptErrorDetails = {}) {
		super(reason, withLocation(message, details), details.cause !== undefined ? { cause: details.cause } : undefined);
		this.file = details.file;
		this.line = details.line;
		this.column = details.column;
		this.format = details.format;
		this.formatsTried = details.formatsTried;
	}

	static is(e: unknown, reason?: TranscriptImportReason): e is TranscriptImportError {
		return e instanceof TranscriptImportError && (reason === undefined || e.reason === reason);
	}

	/** Plain data for `--json` output and the webview. */
	toJSON(): { reason: TranscriptImportReason; message: string; file?: string; line?: number; column?: number; formatsTried?: readonly TranscriptFormat[] } {
		return {
			reason: this.reason,
			message: this.message,
			...(this.file !== undefined && { file: this.file }),
			...(this.line !== undefined && { line: this.line }),
			...(this.column !== undefined && { column: this.column }),
			...(this.formatsTried !== undefined && { formatsTried: this.formatsTried }),
		};
	}
}

function withLocation(message: string, d: TranscriptErrorDetails): string {
	if (d.file === undefined) return d.line !== undefined ? `line ${d.line}${d.column !== undefined ? `:${d.column}` : ''}: ${message}` : message;
	const where = d.line !== undefined ? `${d.file}:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : d.file;
	return `${where}: ${message}`;
}
