/**
 * Appends live calls to a recording file (the product's recording format by default, see
 * `core/live/recordingLines.ts`), crash-safe: all lines of one call are ONE write to a file opened
 * for append (O_APPEND: concurrent writers never interleave inside it), followed by fdatasync
 * before the call counts as recorded. If a previous process died mid-write and left a torn last
 * line, the next append starts on a fresh line, so only that torn line is lost and readers skip it.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallRecorder, LiveCallRecord } from '../core/live/liveCallRecord';
import { recordingHeader, toRecordingLines } from '../core/live/recordingLines';

export interface JsonlCallRecorderOptions {
	/** fdatasync after every call (the crash-safety guarantee); only tests and benchmarks turn it off. @default true */
	readonly fsync?: boolean;
	/** Complete lines (each ending in a newline) for one call. @default the product's recording format */
	readonly serialize?: (record: LiveCallRecord) => string;
	/** Writer name for the run header a new file starts with, e.g. "agent-cost-lens 0.1.0". @default "agent-cost-lens" */
	readonly agent?: string;
}

export class JsonlCallRecorder implements CallRecorder {
	private queue: Promise<void> = Promise.resolve();

	constructor(
		readonly path: string,
		private readonly options: JsonlCallRecorderOptions = {},
	) {}

	/** Appends in call order within this process (the queue), atomically per call across processes. */
	append(record: LiveCallRecord): Promise<void> {
		const serialize = this.options.serialize ?? toRecordingLines;
		const header = this.options.serialize ? undefined : () => recordingHeader(record, this.options.agent ?? 'agent-cost-lens');
		const next = this.queue.then(() => appendLines(this.path, serialize(record), { fsync: this.options.fsync, header }));
		this.queue = next.catch(() => undefined);
		return next;
	}
}

/** Appends `value` as one JSON line (see the module comment for the crash-safety argument). */
export async function appendJsonLine(path: string, value: unknown, options: { readonly fsync?: boolean } = {}): Promise<void> {
	const line = JSON.stringify(value);
	if (line === undefined) throw new TypeError('appendJsonLine: the value is not JSON-serializable');
	await appendLines(path, line + '\n', options);
}

/**
 * Appends complete lines in one write. `header` is written first when the file is new or empty.
 */
export async function appendLines(path: string, lines: string, options: { readonly fsync?: boolean; readonly header?: () => string } = {}): Promise<void> {
	if (lines === '') return;
	if (!lines.endsWith('\n')) throw new TypeError('appendLines: the text must end with a newline');
	await mkdir(dirname(path), { recursive: true });
	const fh = await open(path, 'a+');
	try {
		const { size } = await fh.stat();
		let prefix = '';
		if (size > 0) {
			const last = Buffer.alloc(1);
			await fh.read(last, 0, 1, size - 1);
			if (last[0] !== 0x0a) prefix = '\n'; // a torn line from a crashed writer: start fresh
		} else if (options.header) prefix = options.header();
		await fh.write(prefix + lines);
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
