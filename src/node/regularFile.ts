import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Why a path was refused before it was read. */
export class NotRegularFileError extends Error {
	override readonly name = 'NotRegularFileError';
	readonly code = 'ENOTREG';
	constructor(
		readonly path: string,
		readonly what: string,
	) {
		super(`${path} is ${what}, not a regular file: refused (reading it could block forever or never end)`);
	}
	static is(e: unknown): e is NotRegularFileError {
		return e instanceof NotRegularFileError;
	}
}

/** O_NONBLOCK where it exists (not on Windows): opening a FIFO without a writer must not block. */
const nonBlocking = constants.O_NONBLOCK ?? 0;

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
	if (stat.isDirectory()) return 'a folder';
	if (stat.isFIFO()) return 'a FIFO (named pipe)';
	if (stat.isSocket()) return 'a socket';
	if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
	return 'not a regular file';
}

/**
 * Opens `path` for reading only if it is a regular file. It is opened non-blocking and checked on
 * the open descriptor (not by a `stat` before `open`, which a swap could race), so a FIFO, socket
 * or device given to `report`, `replay` or `count` is refused at once instead of hanging.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
	const fh = await open(path, constants.O_RDONLY | nonBlocking);
	try {
		const stat = await fh.stat();
		if (!stat.isFile()) throw new NotRegularFileError(path, kindOf(stat));
		return fh;
	} catch (e) {
		await fh.close();
		throw e;
	}
}

/** The whole content of a regular file (see {@link openRegularFile}). */
export async function readRegularFile(path: string): Promise<Buffer>;
export async function readRegularFile(path: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
	const fh = await openRegularFile(path);
	try {
		return encoding ? await fh.readFile(encoding) : await fh.readFile();
	} finally {
		await fh.close();
	}
}
