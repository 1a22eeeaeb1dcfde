/**
 * An incremental parser of Server-Sent Events (the WHATWG event-stream format every provider streams
 * in): text arrives in arbitrary pieces — a network chunk may end inside a field, a line or a
 * multi-byte character (the caller decodes with a streaming TextDecoder) — and whole events come
 * out. Lines end in LF, CR or CRLF; `data` lines of one event are joined with LF; comments (`:`)
 * are ignored; an event is dispatched on a blank line. Never throws on any input.
 */

export interface SseEvent {
	/** The `event:` field; empty when the stream names none (OpenAI Chat Completions). */
	readonly event: string;
	readonly data: string;
}

/** Longest line kept while waiting for its end: a stream that never ends a line cannot grow memory without bound. */
const maxSseLineChars = 16 * 1024 * 1024;

export class SseParser {
	private buffer = '';
	private event = '';
	private data: string[] = [];
	/** The previous piece ended in CR: an LF at the start of the next piece belongs to that line end. */
	private pendingCr = false;
	/** Characters dropped from over-long lines (a malformed stream). */
	droppedChars = 0;

	constructor(private readonly onEvent: (e: SseEvent) => void) {}

	push(text: string): void {
		// An empty piece changes nothing (it must not forget a CR the previous piece ended with).
		if (text === '') return;
		let s = text;
		if (this.pendingCr && s.startsWith('\n')) s = s.slice(1);
		this.pendingCr = false;
		this.buffer += s;
		// One linear scan for line ends (a search for CR and LF separately would rescan the buffer per line).
		const ends = /\r\n|\r|\n/g;
		let start = 0;
		for (let m = ends.exec(this.buffer); m; m = ends.exec(this.buffer)) {
			// A CR at the very end may be the first half of a CRLF split across pieces.
			if (m[0] === '\r' && m.index === this.buffer.length - 1) this.pendingCr = true;
			this.line(this.buffer.slice(start, m.index));
			start = m.index + m[0].length;
		}
		this.buffer = this.buffer.slice(start);
		if (this.buffer.length > maxSseLineChars) {
			this.droppedChars += this.buffer.length;
			this.buffer = '';
		}
	}

	/** The stream ended: an event without its closing blank line is still delivered (a cut stream's last event may be whole). */
	end(): void {
		if (this.buffer !== '') this.line(this.buffer);
		this.buffer = '';
		this.dispatch();
	}

	private line(line: string): void {
		if (line === '') return this.dispatch();
		if (line.startsWith(':')) return;
		const colon = line.indexOf(':');
		const field = colon < 0 ? line : line.slice(0, colon);
		let value = colon < 0 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'event') this.event = value;
		else if (field === 'data') this.data.push(value);
	}

	private dispatch(): void {
		if (this.data.length === 0) {
			this.event = '';
			return;
		}
		const e = { event: this.event, data: this.data.join('\n') };
		this.event = '';
		this.data = [];
		this.onEvent(e);
	}
}
