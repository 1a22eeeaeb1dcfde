import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, linkSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A held lock; `release` is idempotent. */
interface HeldLock {
	release(): void;
}

/**
 * A mutual-exclusion lock between the processes of ONE machine (every VS Code window, the engine
 * workers, the CLI) for a folder, that a holder killed with `kill -9` releases by dying. No lock
 * file is ever judged stale and deleted — deleting one is check-then-delete, and a freed inode comes
 * back at once on ext4, so a waiter could delete a lock just taken by someone else. Instead the OS
 * owns the lock:
 *
 * - Linux: a unix socket bound in the abstract namespace (`\0agent-cost-lock-<hash of the folder>`);
 *   binding is atomic and exclusive, and the kernel unbinds it when the holder's descriptor closes,
 *   crash or not.
 * - Windows: a named pipe of the same name (libuv creates the first instance exclusively).
 * - macOS and the BSDs: the folder's `.lock` file opened with `O_EXLOCK | O_NONBLOCK` (an flock held
 *   by the descriptor, released with it).
 * - Anything else: a lock file holding an ownership token, taken over from a dead holder by an atomic
 *   rename and released only by its owner — still racy in a narrow window, so the ledger also
 *   re-checks its limits in file order (see `BudgetBook.apply`).
 */
export interface ProcessLock {
	/** Waits until the lock is held, or rejects with {@link LockTimeoutError} after `timeoutMs`. */
	acquire(timeoutMs: number): Promise<HeldLock>;
	readonly mechanism: 'abstractSocket' | 'namedPipe' | 'flock' | 'tokenFile';
}

export class LockTimeoutError extends Error {
	override readonly name = 'LockTimeoutError';
}

function lockName(dir: string): string {
	let path = dir;
	try {
		path = realpathSync(dir);
	} catch {
		// not created yet: the caller's path is the best name there is
	}
	return `agent-cost-lock-${createHash('sha256').update(path).digest('hex').slice(0, 32)}`;
}

/** A held lock whose `release` runs `free` once, however often it is called. */
function heldLock(free: () => void): HeldLock {
	let held = true;
	return {
		release() {
			if (!held) return;
			held = false;
			free();
		},
	};
}

async function backoff(attempt: number): Promise<void> {
	await new Promise(resolve => setTimeout(resolve, Math.min(8, 1 + attempt / 4)));
}

/** Binds `address` exclusively: the server, or undefined when someone else holds it. */
function bindExclusive(address: string): Promise<Server | undefined> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
		server.listen({ path: address, exclusive: true }, () => resolve(server));
	});
}

function socketLock(address: string, mechanism: 'abstractSocket' | 'namedPipe'): ProcessLock {
	return {
		mechanism,
		async acquire(timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			for (let attempt = 0; ; attempt++) {
				const server = await bindExclusive(address);
				// close() releases the address at once; its callback only reports completion.
				if (server) return heldLock(() => server.close());
				if (Date.now() > deadline) throw new LockTimeoutError(`held by another process for more than ${timeoutMs} ms`);
				await backoff(attempt);
			}
		},
	};
}

/** `O_EXLOCK` (macOS, FreeBSD, OpenBSD: 0x20); Node does not export it. */
const oExlock = 0x20;

function flockLock(path: string): ProcessLock {
	return {
		mechanism: 'flock',
		async acquire(timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			for (let attempt = 0; ; attempt++) {
				try {
					const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NONBLOCK | oExlock, 0o600);
					return heldLock(() => closeSync(fd));
				} catch (e) {
					const code = (e as NodeJS.ErrnoException).code;
					if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw e;
				}
				if (Date.now() > deadline) throw new LockTimeoutError(`held by another process for more than ${timeoutMs} ms`);
				await backoff(attempt);
			}
		},
	};
}

function holderIsDead(content: string): boolean {
	const m = /^(\d+)@(.*) [0-9a-f]+$/.exec(content);
	if (!m || m[2] !== hostname()) return false;
	try {
		process.kill(Number(m[1]), 0);
		return false;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

function readOrEmpty(path: string): string {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return '';
	}
}

/**
 * The portable fallback. The lock file holds `pid@host token`. Taking over a dead holder's lock
 * renames it aside (atomic: one taker wins) and checks that what was moved is the dead holder's; a
 * live lock moved by mistake is linked back. Release moves the file aside the same way and deletes
 * it only when it is the releaser's own.
 */
function tokenFileLock(path: string): ProcessLock {
	const moveAside = (expected: string): boolean => {
		const aside = `${path}.${randomBytes(6).toString('hex')}`;
		try {
			renameSync(path, aside);
		} catch {
			return false;
		}
		if (readOrEmpty(aside) === expected) {
			unlinkSync(aside);
			return true;
		}
		try {
			linkSync(aside, path); // not what we meant to move: put it back unless a new lock exists
		} catch {
			// a new lock was taken meanwhile; the moved one's holder will find its lock gone on release
		}
		unlinkSync(aside);
		return false;
	};
	return {
		mechanism: 'tokenFile',
		async acquire(timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			const mine = `${process.pid}@${hostname()} ${randomBytes(8).toString('hex')}`;
			for (let attempt = 0; ; attempt++) {
				const temp = `${path}.${randomBytes(6).toString('hex')}`;
				writeFileSync(temp, mine, { mode: 0o600 });
				try {
					// link() publishes the file with its content already written: no empty lock is ever visible.
					linkSync(temp, path);
					unlinkSync(temp);
					return heldLock(() => moveAside(mine));
				} catch (e) {
					unlinkSync(temp);
					if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
				}
				const holder = readOrEmpty(path);
				if (holder !== '' && holderIsDead(holder)) moveAside(holder);
				if (Date.now() > deadline) throw new LockTimeoutError(`held by another process for more than ${timeoutMs} ms (lock file ${path})`);
				await backoff(attempt);
			}
		},
	};
}

export type LockMechanism = ProcessLock['mechanism'];

/** The best lock this platform offers for `dir` (see {@link ProcessLock}); `mechanism` forces one (tests). */
export function createProcessLock(dir: string, mechanism?: LockMechanism): ProcessLock {
	const chosen =
		mechanism ?? (process.platform === 'linux' ? 'abstractSocket' : process.platform === 'win32' ? 'namedPipe' : ['darwin', 'freebsd', 'openbsd'].includes(process.platform) ? 'flock' : 'tokenFile');
	switch (chosen) {
		case 'abstractSocket':
			return socketLock(`\0${lockName(dir)}`, chosen);
		case 'namedPipe':
			return socketLock(`\\\\.\\pipe\\${lockName(dir)}`, chosen);
		case 'flock':
			return flockLock(join(dir, 'spend.flock'));
		case 'tokenFile':
			return tokenFileLock(join(dir, 'spend.lock'));
	}
}
