/**
 * One gateway per machine: the running one writes its address and control token to a state file
 * (VS Code's global storage for the extension, `--state-dir` for the CLI), readable by its user
 * only. A window that finds a live gateway there attaches to it instead of starting another; a
 * lock file makes "check, then start" atomic between windows starting at the same moment.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayMode } from '../../core/gateway/gatewaySnapshot';

export interface GatewayState {
	readonly v: 1;
	readonly pid: number;
	readonly url: string;
	readonly port: number;
	readonly mode: GatewayMode;
	/** The control API's token (`x-agent-cost-token`). */
	readonly token: string;
	readonly version: string;
	readonly startedAt: string;
	/** Where the gateway writes its log (when started by the extension). */
	readonly logFile?: string;
}

const gatewayStateFileName = 'gateway.json';
const lockFileName = 'gateway.lock';

function gatewayStatePath(dir: string): string {
	return join(dir, gatewayStateFileName);
}

function isState(v: unknown): v is GatewayState {
	const s = v as Partial<GatewayState> | null;
	return (
		typeof s === 'object' &&
		s !== null &&
		s.v === 1 &&
		Number.isInteger(s.pid) &&
		typeof s.url === 'string' &&
		Number.isInteger(s.port) &&
		typeof s.token === 'string' &&
		(s.mode === 'observe' || s.mode === 'enforce')
	);
}

/** The state file's content, or undefined when there is none (or it is damaged). */
export function readGatewayState(dir: string): GatewayState | undefined {
	try {
		const v = JSON.parse(readFileSync(gatewayStatePath(dir), 'utf8')) as unknown;
		return isState(v) ? v : undefined;
	} catch {
		return undefined;
	}
}

/** Written whole (temp file + rename) so a reader never sees half a token; mode 0600. */
export function writeGatewayState(dir: string, state: GatewayState): void {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const tmp = join(dir, `.${gatewayStateFileName}.${process.pid}.tmp`);
	writeFileSync(tmp, JSON.stringify(state, null, '\t') + '\n', { mode: 0o600 });
	renameSync(tmp, gatewayStatePath(dir));
}

/** Removes the state file if it still describes `pid` (a successor's file is left alone). */
export function removeGatewayState(dir: string, pid: number): void {
	if (readGatewayState(dir)?.pid !== pid) return;
	try {
		unlinkSync(gatewayStatePath(dir));
	} catch {
		// already gone
	}
}

export function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Runs `fn` holding the state folder's lock. A lock older than `staleMs` or left by a dead process
 * is taken over (a starter killed mid-start must not block every later start).
 */
export async function withGatewayLock<T>(dir: string, fn: () => Promise<T>, o: { readonly timeoutMs?: number; readonly staleMs?: number } = {}): Promise<T> {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const path = join(dir, lockFileName);
	const deadline = Date.now() + (o.timeoutMs ?? 20_000);
	let fd: number | undefined;
	while (fd === undefined) {
		try {
			fd = openSync(path, 'wx', 0o600);
			writeFileSync(fd, String(process.pid));
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
			try {
				const holder = Number(readFileSync(path, 'utf8'));
				const age = Date.now() - statSync(path).mtimeMs;
				if (age > (o.staleMs ?? 30_000) || (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) || (!holder && age > 1000)) unlinkSync(path);
			} catch {
				// released meanwhile
			}
			if (Date.now() > deadline) throw new Error(`another window is starting the gateway (lock ${path}); try again`);
			await new Promise(r => setTimeout(r, 50));
		}
	}
	try {
		return await fn();
	} finally {
		closeSync(fd);
		try {
			unlinkSync(path);
		} catch {
			// taken over as stale
		}
	}
}
