/**
 * Reads a session file in large chunks and hands a scanner only the lines it needs. Each line is
 * judged on its bytes before it becomes a string: a line whose first bytes say it is of a kind the
 * scanner never needs (a Claude Code `"type":"user"` line — tool results, most of a session's
 * bytes) is skipped whole; any other line is decoded only if it contains one of the scanner's
 * needles (`"usage":`). Skipping at memchr speed, without JavaScript strings, is what keeps a
 * 100 MB history fast and small.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { UsageScanner } from '../../core/sessions/usageRecord';

export interface ReadLinesOptions {
	/** Byte offset to start at (a tail resumes where the last complete line ended). @default 0 */
	readonly from?: number;
	/**
	 * Also hand over a last line without a newline (`terminated: false`). A full scan does, so the
	 * scanner can say the file is being written; a tail does not — the rest of the line comes later.
	 * @default true
	 */
	readonly includePartialLast?: boolean;
	readonly signal?: AbortSignal;
	/** @default 2 MiB */
	readonly chunkBytes?: number;
}

export interface ReadLinesResult {
	/** Where the last complete line ended: the next tail starts here. */
	readonly endOffset: number;
	readonly bytesRead: number;
}

const newline = 0x0a;
const yieldEveryBytes = 16 * 1024 * 1024;

/**
 * One read buffer, reused from file to file: a fresh multi-megabyte buffer per file costs page
 * faults (kernel time) on every file of a history of hundreds. A concurrent read takes its own.
 */
let spare: Buffer | undefined;

function takeBuffer(size: number): Buffer {
	const b = spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafe(size);
	spare = undefined;
	return b;
}

/** The per-line test of a scanner, on raw bytes. */
class LineFilter {
	private readonly needles: Buffer[];
	private readonly skips: Buffer[];
	private readonly headBytes: number;

	constructor(scanner: UsageScanner) {
		this.needles = scanner.needles.map(n => Buffer.from(n, 'utf8'));
		this.skips = (scanner.skipHeads ?? []).map(n => Buffer.from(n, 'utf8'));
		this.headBytes = scanner.headBytes ?? 512;
	}

	needed(buf: Buffer, start: number, end: number): boolean {
		if (this.skips.length > 0) {
			const head = buf.subarray(start, Math.min(end, start + this.headBytes));
			for (const s of this.skips) if (head.indexOf(s) >= 0) return false;
		}
		if (this.needles.length === 0) return true;
		const line = buf.subarray(start, end);
		for (const n of this.needles) if (line.indexOf(n) >= 0) return true;
		return false;
	}
}

/** Feeds `scanner` the needed lines of `path` (see the module comment). Throws the fs error when the file cannot be read. */
export async function readNeededLines(path: string, scanner: UsageScanner, options: ReadLinesOptions = {}): Promise<ReadLinesResult> {
	const filter = new LineFilter(scanner);
	const from = options.from ?? 0;
	let buf = takeBuffer(options.chunkBytes ?? 2 * 1024 * 1024);
	let filled = 0; // bytes of buf in use: [0, filled)
	let fileOffset = from; // file offset of buf[0]
	let readAt = from;
	let firstLine = from === 0 && scanner.wantsFirstLine;
	let bytesRead = 0;
	let sinceYield = 0;
	const emit = (start: number, end: number, terminated: boolean) => {
		const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
		if (stop > start) scanner.line(buf.toString('utf8', start, stop), terminated);
	};
	// Synchronous reads of big chunks: on a busy machine each asynchronous read waits for a
	// thread-pool turn, and the scan does little I/O per byte. The loop yields between chunks
	// instead, so a cancel (or another job of the worker) gets through.
	const fd = openSync(path, 'r');
	try {
		for (;;) {
			if (sinceYield >= yieldEveryBytes) {
				sinceYield = 0;
				await new Promise<void>(resolve => setImmediate(resolve));
			}
			options.signal?.throwIfAborted();
			if (filled === buf.length) {
				// One line longer than the buffer: grow it (bounded by the longest line, not the file).
				const bigger = Buffer.allocUnsafe(buf.length * 2);
				buf.copy(bigger, 0, 0, filled);
				buf = bigger;
			}
			const n = readSync(fd, buf, filled, buf.length - filled, readAt);
			readAt += n;
			bytesRead += n;
			sinceYield += n;
			filled += n;
			let pos = 0;
			for (;;) {
				const nl = buf.indexOf(newline, pos);
				if (nl < 0 || nl >= filled) break;
				if (firstLine || filter.needed(buf, pos, nl)) emit(pos, nl, true);
				firstLine = false;
				pos = nl + 1;
			}
			if (n === 0) {
				const endOffset = fileOffset + pos;
				if (pos < filled && options.includePartialLast !== false && (firstLine || filter.needed(buf, pos, filled))) emit(pos, filled, false);
				return { endOffset, bytesRead };
			}
			// Move the unfinished line to the front; read after it.
			if (pos > 0) {
				buf.copy(buf, 0, pos, filled);
				filled -= pos;
				fileOffset += pos;
			}
		}
	} finally {
		closeSync(fd);
		spare = buf;
	}
}
