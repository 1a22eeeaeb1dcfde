/**
 * Scans agent session files into one {@link CallLedger}: each file streamed through its agent's
 * scanner, every call counted once however many files repeat it. A file that cannot be read, or
 * is damaged, becomes a warning; its complete lines still count.
 */
import { readFile } from 'node:fs/promises';
import type { AgentId } from '../../core/sessions/agents';
import type { CallLedger } from '../../core/sessions/callLedger';
import { ClaudeUsageScanner } from '../../core/sessions/claudeUsageScanner';
import { CodexUsageScanner } from '../../core/sessions/codexUsageScanner';
import { GeminiUsageScanner } from '../../core/sessions/geminiUsageScanner';
import { PiUsageScanner } from '../../core/sessions/piUsageScanner';
import type { ScannerFactory, SeenLines, UsageRecord, UsageScanner } from '../../core/sessions/usageRecord';
import { readNeededLines } from './neededLines';
import type { SessionFile } from './sessionFiles';

const scanners: Readonly<Record<AgentId, ScannerFactory>> = {
	claude: (hints, emit, seen) => new ClaudeUsageScanner(hints, emit, seen),
	codex: (hints, emit) => new CodexUsageScanner(hints, emit),
	gemini: (hints, emit) => new GeminiUsageScanner(hints, emit),
	pi: (hints, emit) => new PiUsageScanner(hints, emit),
};

/** A file after its scan: the session it belongs to and what was wrong with it. */
export interface ScannedFile extends SessionFile {
	readonly sessionId?: string;
	readonly project?: string;
	readonly warnings: readonly string[];
}

export interface ScanProgress {
	readonly files: number;
	readonly totalFiles: number;
	readonly bytes: number;
	readonly totalBytes: number;
}

export interface ScanOptions {
	readonly signal?: AbortSignal;
	readonly onProgress?: (p: ScanProgress) => void;
}

/** Where a scan's records go: the ledger itself, or anything that also keeps them (the engine worker's per-file cache). */
export type RecordSink = SeenLines & { add(r: UsageRecord): void };

/** The scanner of one file, feeding `sink`. */
export function scannerFor(file: Pick<SessionFile, 'agent' | 'hints'>, sink: RecordSink): UsageScanner {
	return scanners[file.agent](file.hints, r => sink.add(r), sink);
}

function describeFsError(e: unknown): string {
	const code = (e as NodeJS.ErrnoException | undefined)?.code;
	return code === 'ENOENT' ? 'the file is gone (deleted while scanning)' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e);
}

/** Scans one file into the ledger (or another sink). */
export async function scanSessionFile(file: SessionFile, sink: RecordSink, signal?: AbortSignal): Promise<ScannedFile> {
	const scanner = scannerFor(file, sink);
	const warnings: string[] = [];
	try {
		if (scanner.wholeFile && file.path.endsWith('.json')) scanner.wholeFile(await readFile(file.path, 'utf8'));
		else await readNeededLines(file.path, scanner, { ...(signal && { signal }) });
	} catch (e) {
		if (signal?.aborted) throw e;
		warnings.push(`cannot read: ${describeFsError(e)}`);
	}
	const summary = scanner.finish();
	return {
		...file,
		...(summary.sessionId !== undefined && { sessionId: summary.sessionId }),
		...(summary.project !== undefined && { project: summary.project }),
		warnings: [...warnings, ...summary.warnings],
	};
}

/** Scans the files in order (oldest first, so a copied call stays with the session that made it). */
export async function scanSessionFiles(files: readonly SessionFile[], ledger: CallLedger, options: ScanOptions = {}): Promise<ScannedFile[]> {
	const out: ScannedFile[] = [];
	const totalBytes = files.reduce((n, f) => n + f.size, 0);
	let bytes = 0;
	for (const file of files) {
		out.push(await scanSessionFile(file, ledger, options.signal));
		bytes += file.size;
		options.onProgress?.({ files: out.length, totalFiles: files.length, bytes, totalBytes });
	}
	return out;
}
