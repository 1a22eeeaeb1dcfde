/**
 * Transcript files on disk: reads (streaming the line formats, so a 100 MB Claude Code session is
 * imported with memory bounded by its longest line), walks folders for transcript-looking files,
 * and turns every file-system failure into a typed {@link TranscriptImportError}.
 */
import { readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CancelledError } from '../core/lib/errors';
import { detectFormat, detectionPrefixLength } from '../core/transcripts/detectFormat';
import { TranscriptImportError } from '../core/transcripts/importErrors';
import { NotRegularFileError, openRegularFile } from './regularFile';
import { Utf8Validator } from '../core/lib/utf8Validator';
import type { ImportOptions } from '../core/transcripts/importSupport';
import { createStreamingImport, importTranscript } from '../core/transcripts/importTranscript';
import type { Transcript } from '../core/transcripts/model';

/** Whole-document formats (JSON, Markdown) are parsed in memory up to this size. */
const maxDocumentBytes = 256 * 1024 * 1024;

interface FileProgress {
	readonly bytesRead: number;
	readonly totalBytes: number;
	readonly calls: number;
}

export interface ReadTranscriptOptions extends Omit<ImportOptions, 'file' | 'onProgress'> {
	/** Shown in messages instead of the absolute path (e.g. the path as the user typed it). */
	readonly displayName?: string;
	readonly onProgress?: (p: FileProgress) => void;
	/** @default maxDocumentBytes */
	readonly maxDocumentBytes?: number;
}

function fsError(e: unknown, file: string): TranscriptImportError {
	const code = (e as NodeJS.ErrnoException | undefined)?.code;
	const why = NotRegularFileError.is(e)
		? `is ${e.what}, not a regular file (refused: reading it could block forever)`
		: code === 'ENOENT'
			? 'no such file or folder'
			: code === 'EACCES' || code === 'EPERM'
				? 'permission denied'
				: code === 'EISDIR'
					? 'is a folder'
					: e instanceof Error
						? e.message
						: String(e);
	return new TranscriptImportError('unreadable', `cannot read: ${why}`, { file, cause: e });
}

async function readPrefix(path: string, file: string): Promise<{ prefix: string; size: number }> {
	let fh;
	try {
		fh = await openRegularFile(path);
		return await prefixOf(fh);
	} catch (e) {
		throw fsError(e, file);
	} finally {
		await fh?.close();
	}
}

async function prefixOf(fh: FileHandle): Promise<{ prefix: string; size: number }> {
	const { size } = await fh.stat();
	const buf = Buffer.alloc(Math.min(size, detectionPrefixLength));
	const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
	// Cut at a character boundary: a multi-byte sequence split by the prefix length is dropped.
	return { prefix: new StringDecoder('utf8').write(buf.subarray(0, bytesRead)), size };
}

/** Imports one transcript file (format detected from its first bytes and name). */
export async function readTranscriptFile(path: string, options: ReadTranscriptOptions): Promise<Transcript> {
	const file = options.displayName ?? path;
	// ONE descriptor, checked to be a regular file, for everything read below.
	let fh: FileHandle;
	try {
		fh = await openRegularFile(path);
	} catch (e) {
		throw fsError(e, file);
	}
	try {
		return await readOpenTranscript(fh, path, file, options);
	} finally {
		await fh.close();
	}
}

async function readOpenTranscript(fh: FileHandle, path: string, file: string, options: ReadTranscriptOptions): Promise<Transcript> {
	let prefix: string;
	let size: number;
	try {
		({ prefix, size } = await prefixOf(fh));
	} catch (e) {
		throw fsError(e, file);
	}
	const detection = detectFormat(prefix, basename(path));
	const { displayName: _shown, onProgress: _progress, maxDocumentBytes: _limit, ...rest } = options;
	const importOptions: ImportOptions = { ...rest, file };
	if (detection?.container === 'jsonl') {
		const imp = createStreamingImport(detection.format, importOptions);
		const stream = fh.createReadStream({ start: 0, highWaterMark: 1024 * 1024, autoClose: false });
		const decoder = new StringDecoder('utf8');
		const utf8 = new Utf8Validator();
		try {
			for await (const chunk of stream as AsyncIterable<Buffer>) {
				utf8.push(chunk);
				imp.push(decoder.write(chunk));
				options.onProgress?.({ bytesRead: stream.bytesRead, totalBytes: size, calls: imp.calls });
			}
			imp.push(decoder.end());
		} catch (e) {
			stream.destroy();
			if (TranscriptImportError.is(e) || CancelledError.is(e)) throw e;
			throw fsError(e, file);
		}
		utf8.end();
		const t = imp.end();
		options.onProgress?.({ bytesRead: size, totalBytes: size, calls: t.calls.length });
		return withEncodingWarning(t, utf8, file);
	}
	const limit = options.maxDocumentBytes ?? maxDocumentBytes;
	if (detection !== undefined && size > limit) {
		throw new TranscriptImportError(
			'tooLarge',
			`${(size / 1024 / 1024).toFixed(0)} MB is over the ${(limit / 1024 / 1024).toFixed(0)} MB limit for whole-document formats (JSON, Markdown); only JSONL transcripts are streamed`,
			{ file },
		);
	}
	let text: string;
	const utf8 = new Utf8Validator();
	if (detection === undefined) {
		// Not JSON, JSONL or aider: the prefix is enough to say so (with the formats tried).
		text = prefix;
	} else {
		let bytes: Buffer;
		try {
			bytes = await fh.readFile();
		} catch (e) {
			throw fsError(e, file);
		}
		utf8.push(bytes);
		utf8.end();
		text = bytes.toString('utf8');
	}
	const t = importTranscript(text, importOptions);
	options.onProgress?.({ bytesRead: size, totalBytes: size, calls: t.calls.length });
	return withEncodingWarning(t, utf8, file);
}

/**
 * Bytes that are not UTF-8 are read as U+FFFD (as every decoder does) — never silently: the
 * transcript says how many and where the first one is.
 */
function withEncodingWarning(t: Transcript, utf8: Utf8Validator, file: string): Transcript {
	if (utf8.invalid === 0) return t;
	const message = `${file}: ${utf8.invalid} byte sequence${utf8.invalid === 1 ? ' is' : 's are'} not valid UTF-8 (the first at byte ${utf8.firstInvalid}); read as U+FFFD (�), so text and token counts there may differ from the original`;
	return { ...t, warnings: [...t.warnings, { code: 'invalidEncoding', message }] };
}

/** File names that can hold a transcript; the content decides (see {@link looksLikeTranscript}). */
const candidateName = /\.(jsonl|json|traj|md)$/i;

/** Folders never searched. */
const skippedFolders = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.venv', 'venv', '__pycache__']);

/** Cheap content check for folder walks: detected line/markdown formats, or JSON with transcript keys. */
function looksLikeTranscript(prefix: string, name: string): boolean {
	const d = detectFormat(prefix, name);
	if (d === undefined) return false;
	if (d.container !== 'json') return true;
	return /"(interactions|trajectory|trajectory_format|history|traj|messages|samples|events|model_stats)"\s*:/.test(prefix) || /"source"\s*:\s*"(user|agent|environment)"/.test(prefix);
}

interface FoundFile {
	readonly path: string;
	/** The path as the user would write it (relative to the argument). */
	readonly display: string;
	/** Named on the command line (imported whatever it looks like) rather than found in a folder. */
	readonly explicit: boolean;
}

export interface FoundFiles {
	/** Files to import, in argument order (folder contents sorted by name). */
	readonly files: readonly FoundFile[];
	/** Arguments that do not exist or cannot be listed. */
	readonly problems: readonly TranscriptImportError[];
	/** Both, in argument order: what a report lists. */
	readonly entries: readonly ({ readonly kind: 'file'; readonly file: FoundFile } | { readonly kind: 'problem'; readonly error: TranscriptImportError })[];
}

/**
 * Expands file and folder arguments. Files given explicitly are always imported (an unknown format
 * is then an error the user sees); folders are walked recursively and only transcript-looking files
 * are taken.
 */
export async function findTranscriptFiles(inputs: readonly string[], cwd: string): Promise<FoundFiles> {
	const entries: FoundFiles['entries'][number][] = [];
	const files = { push: (f: FoundFile) => entries.push({ kind: 'file', file: f }) };
	const problems = { push: (error: TranscriptImportError) => entries.push({ kind: 'problem', error }) };
	const walk = async (dir: string, display: string): Promise<void> => {
		let entries;
		try {
			entries = await readdir(dir, { withFileTypes: true });
		} catch (e) {
			problems.push(fsError(e, display));
			return;
		}
		entries.sort((a, b) => a.name.localeCompare(b.name));
		for (const entry of entries) {
			const path = join(dir, entry.name);
			const shown = join(display, entry.name);
			if (entry.isDirectory()) {
				if (!skippedFolders.has(entry.name)) await walk(path, shown);
			} else if (entry.isFile() && candidateName.test(entry.name)) {
				try {
					const { prefix } = await readPrefix(path, shown);
					if (looksLikeTranscript(prefix, entry.name)) files.push({ path, display: shown, explicit: false });
				} catch (e) {
					problems.push(e instanceof TranscriptImportError ? e : fsError(e, shown));
				}
			}
		}
	};
	for (const input of inputs) {
		const path = resolve(cwd, input);
		let s;
		try {
			s = await stat(path);
		} catch (e) {
			problems.push(fsError(e, input));
			continue;
		}
		if (s.isDirectory()) await walk(path, input);
		else if (!s.isFile()) problems.push(fsError(new NotRegularFileError(path, s.isFIFO() ? 'a FIFO (named pipe)' : s.isSocket() ? 'a socket' : 'a device'), input));
		else files.push({ path, display: input, explicit: true });
	}
	return {
		entries,
		files: entries.flatMap(e => (e.kind === 'file' ? [e.file] : [])),
		problems: entries.flatMap(e => (e.kind === 'problem' ? [e.error] : [])),
	};
}
