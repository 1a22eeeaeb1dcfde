/**
 * "Archive Agent Sessions": gzip copies of session logs in a folder the user picked, so history
 * survives the agents' own cleanup. Sources are only read. The archive keeps the agents' layout
 * (`<agent>/<folder>/<path>.gz`) and a manifest of what each copy was made from, so archiving again
 * copies only files that changed.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ArchiveResult } from '../../core/jobs/sessionJobs';
import type { SessionFile } from './sessionFiles';

export const archiveManifestName = 'agent-cost-archive.json';

interface Manifest {
	readonly version: 1;
	readonly files: Record<string, { readonly source: string; readonly size: number; readonly mtimeMs: number }>;
}

function readManifest(dest: string): Manifest {
	try {
		const m = JSON.parse(readFileSync(join(dest, archiveManifestName), 'utf8')) as Manifest;
		if (m && m.version === 1 && typeof m.files === 'object') return m;
	} catch {
		// a missing or damaged manifest: everything is copied again
	}
	return { version: 1, files: {} };
}

/** Where a session file goes in the archive: the agent, its folder as a safe name, its path under it. */
function archivePath(file: Pick<SessionFile, 'agent' | 'root' | 'path'>): string {
	const folder = file.root
		.replace(/^[A-Za-z]:/, '')
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return join(file.agent, folder, `${relative(file.root, file.path)}.gz`);
}

/** Files whose archived copy is missing or older than the file. */
export function unarchived<T extends Pick<SessionFile, 'agent' | 'root' | 'path' | 'size' | 'mtimeMs'>>(files: readonly T[], dest: string | undefined): T[] {
	if (!dest) return [...files];
	const manifest = readManifest(dest);
	return files.filter(f => {
		const entry = manifest.files[archivePath(f)];
		return !entry || entry.size !== f.size || entry.mtimeMs !== f.mtimeMs || !existsSync(join(dest, archivePath(f)));
	});
}

export async function archiveSessionFiles(
	files: readonly SessionFile[],
	dest: string,
	options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<ArchiveResult> {
	mkdirSync(dest, { recursive: true });
	const manifest = readManifest(dest);
	const todo = new Set(unarchived(files, dest));
	let copied = 0;
	let bytesIn = 0;
	let bytesOut = 0;
	const failed: string[] = [];
	let done = 0;
	for (const file of files) {
		options.signal?.throwIfAborted();
		if (todo.has(file)) {
			const rel = archivePath(file);
			const target = join(dest, rel);
			const partial = `${target}.partial`;
			try {
				mkdirSync(dirname(target), { recursive: true });
				// The size and time the copy is made from, read before reading: a file the agent is
				// appending to is archived again next time.
				const before = statSync(file.path);
				await pipeline(createReadStream(file.path), createGzip(), createWriteStream(partial));
				renameSync(partial, target);
				manifest.files[rel] = { source: file.path, size: before.size, mtimeMs: before.mtimeMs };
				copied++;
				bytesIn += before.size;
				bytesOut += statSync(target).size;
			} catch (e) {
				failed.push(`${file.path}: ${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))}`);
			}
		}
		options.onProgress?.(++done, files.length);
	}
	writeFileSync(join(dest, archiveManifestName), JSON.stringify(manifest, null, 1) + '\n');
	return { dest, copied, unchanged: files.length - todo.size, bytesIn, bytesOut, failed };
}
