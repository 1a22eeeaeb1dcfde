/**
 * Appends live-call records to a JSONL file, crash-safe: each record is ONE write of one complete
 * line to a file opened for append (O_APPEND: concurrent writers never interleave inside a line),
 * followed by fdatasync before the call counts as recorded. If a previous process died mid-write
 * and left a torn last line, the next append starts on a fresh line, so only that torn line is
 * lost and every reader can skip it (see {@link readJsonLines}).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallRecorder, LiveCallRecord } from '../core/live/liveCallRecord';

export class JsonlCallRecorder implements CallRecorder {
	private queue: Promise<void> = Promise.resolve();

	constructor(
		readonly path: string,
		private readonly options: { readonly fsync?: boolean } = {},
	) {}

	/** Appends in call order within this process (the queue), atomically per line across processes. */
	append(record: LiveCallRecord): Promise<void> {
		const next = this.queue.then(() => appendJsonLine(this.path, record, this.options));
		this.queue = next.catch(() => undefined);
		return next;
	}
}

/** Appends `value` as one JSON line (see the module comment for the crash-safety argument). */
export async function appendJsonLine(path: string, value: unknown, options: { readonly fsync?: boolean } = {}): Promise<void> {
	const line = JSON.stringify(value);
	if (line === undefined) throw new TypeError('appendJsonLine: the value is not JSON-serializable');
	await mkdir(dirname(path), { recursive: true });
	const fh = await open(path, 'a+');
	try {
		const { size } = await fh.stat();
		let prefix = '';
		if (size > 0) {
			const last = Buffer.alloc(1);
			await fh.read(last, 0, 1, size - 1);
			if (last[0] !== 0x0a) prefix = '\n'; // a torn line from a crashed writer: start fresh
		}
		await fh.write(prefix + line + '\n');
		if (options.fsync !== false) await fh.datasync();
	} finally {
		await fh.close();
	}
}

export interface JsonLinesRead<T> {
	readonly values: T[];
	/** 1-based line numbers that were not valid JSON (a torn last line after a crash, or damage). */
	readonly badLines: number[];
}

/** Reads a JSONL file, skipping (and reporting) lines that do not parse. */
export async function readJsonLines<T = unknown>(path: string): Promise<JsonLinesRead<T>> {
	const text = await readFile(path, 'utf8');
	const values: T[] = [];
	const badLines: number[] = [];
	text.split('\n').forEach((line, i) => {
		if (line.trim() === '') return;
		try {
			values.push(JSON.parse(line) as T);
		} catch {
			badLines.push(i + 1);
		}
	});
	return { values, badLines };
}
