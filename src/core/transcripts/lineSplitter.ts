import { TranscriptImportError } from './importErrors';

/** Receives the lines of a line-oriented transcript one at a time (JSONL importers). */
export interface LineSink {
	/**
	 * One line without its line break. `terminated` is false only for a last line with no newline
	 * after it — the place a file cut off mid-write ends, so importers tolerate a bad one there.
	 */
	line(text: string, lineNo: number, terminated: boolean): void;
}

/** The longest line accepted (a runaway line without newlines must not exhaust memory). */
const maxLineLength = 64 * 1024 * 1024;

/**
 * Splits streamed text into lines (LF or CRLF) across chunk boundaries, so a 100 MB JSONL file is
 * imported with memory bounded by its longest line.
 */
export class LineSplitter {
	private rest = '';
	private lineNo = 0;
	private consumedChars = 0;

	constructor(
		private readonly sink: LineSink,
		private readonly file?: string,
	) {}

	get lines(): number {
		return this.lineNo;
	}

	get consumed(): number {
		return this.consumedChars;
	}

	push(chunk: string): void {
		this.consumedChars += chunk.length;
		let text = this.rest === '' ? chunk : this.rest + chunk;
		if (this.lineNo === 0 && this.rest === '' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
		let start = 0;
		for (;;) {
			const nl = text.indexOf('\n', start);
			if (nl < 0) break;
			const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
			this.sink.line(text.slice(start, end), ++this.lineNo, true);
			start = nl + 1;
		}
		this.rest = start === 0 ? text : text.slice(start);
		if (this.rest.length > maxLineLength) {
			throw new TranscriptImportError('tooLarge', `line ${this.lineNo + 1} is longer than ${maxLineLength} characters`, { file: this.file, line: this.lineNo + 1 });
		}
	}

	/** Flushes the last line (when the file does not end with a newline). */
	end(): void {
		if (this.rest !== '') {
			const last = this.rest.endsWith('\r') ? this.rest.slice(0, -1) : this.rest;
			this.rest = '';
			this.sink.line(last, ++this.lineNo, false);
		}
	}
}
