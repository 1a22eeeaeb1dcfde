/**
 * The line handling the agent-session JSONL importers (Codex rollouts, Gemini CLI, pi) share: one
 * JSON object per line, blank lines ignored, a bad line skipped and reported once with its number,
 * and a bad LAST line without a newline taken for what it nearly always is — the agent writing the
 * file right now — and ignored with a warning of its own.
 */
import { TranscriptImportError } from './importErrors';
import type { TranscriptBuilder } from './importSupport';
import { isRecord, type JsonRecord } from './jsonAccess';
import type { TranscriptFormat } from './model';

export class JsonlRecords {
	private parsedLines = 0;
	private readonly badLines: number[] = [];
	private badCount = 0;
	private firstProblem?: string;

	constructor(
		private readonly builder: TranscriptBuilder,
		private readonly format: TranscriptFormat,
	) {}

	/** Lines that were JSON objects. */
	get parsed(): number {
		return this.parsedLines;
	}

	/** The line as an object, or undefined (blank, not JSON, not an object: accounted for `finish`). */
	parse(text: string, lineNo: number, terminated: boolean): JsonRecord | undefined {
		if (text.trim() === '') return undefined;
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			this.bad(lineNo, terminated, 'not valid JSON');
			return undefined;
		}
		if (!isRecord(value)) {
			this.bad(lineNo, terminated, 'not a JSON object');
			return undefined;
		}
		this.parsedLines++;
		return value;
	}

	private bad(lineNo: number, terminated: boolean, problem: string): void {
		if (!terminated) {
			this.builder.warn('truncatedLastLine', `the last line (${lineNo}) is incomplete (${problem}); the agent was probably still writing the file — ignored`, { line: lineNo });
			return;
		}
		this.badCount++;
		this.firstProblem ??= `line ${lineNo}: ${problem}`;
		if (this.badLines.length < 5) this.badLines.push(lineNo);
	}

	/**
	 * Throws when nothing usable was read (`recognized` = lines of this format's record types);
	 * otherwise reports the skipped lines as one warning.
	 */
	finish(recognized: number, expected: string): void {
		const file = this.builder.options.file;
		if (this.parsedLines === 0) {
			if (this.badCount > 0) throw new TranscriptImportError('malformed', `no line is a JSON object (${this.firstProblem})`, { file, line: this.badLines[0], format: this.format });
			throw new TranscriptImportError('empty', 'the file has no JSONL records', { file, format: this.format });
		}
		if (recognized === 0) throw new TranscriptImportError('badStructure', `no line is ${expected}`, { file, format: this.format });
		if (this.badCount > 0) {
			const more = this.badCount > this.badLines.length ? ` and ${this.badCount - this.badLines.length} more` : '';
			this.builder.warn('malformedLine', `${this.badCount} line(s) are not valid JSONL records and were skipped: line ${this.badLines.join(', ')}${more} (${this.firstProblem})`, {
				line: this.badLines[0],
			});
		}
	}
}
