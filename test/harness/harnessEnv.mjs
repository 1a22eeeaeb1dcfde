// Where the real-VS-Code harness keeps its cached installs, read from env.sh so the shell setup and
// the Node harness can never disagree about a path or a pinned version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

function readEnvSh() {
	const script = join(import.meta.dirname, 'env.sh');
	const names = ['HARNESS_ROOT', 'NODE24_VERSION', 'CODE_SERVER_VERSION', 'NODE24_HOME', 'CODE_SERVER_DIR', 'CODE_SERVER_BIN'];
	const out = execFileSync('bash', ['-c', `. "$0" && printf '%s\\n' ${names.map(n => `"$${n}"`).join(' ')}`, script], {
		encoding: 'utf8',
		env: process.env,
	});
	const values = out.split('\n');
	return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

export const harnessEnv = readEnvSh();
export const harnessRoot = harnessEnv.HARNESS_ROOT;
export const node24 = join(harnessEnv.NODE24_HOME, 'bin', 'node');
export const codeServerEntry = harnessEnv.CODE_SERVER_BIN;
export const codeServerVersion = harnessEnv.CODE_SERVER_VERSION;
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const sampleWorkspace = join(repoRoot, 'sample-workspace');
export const resultsDir = join(repoRoot, 'test-results');

/** A harness failure with a one-line, actionable reason (printed without a stack). */
export class HarnessError extends Error {
	constructor(message) {
		super(message);
		this.name = 'HarnessError';
	}
}

/** Fails loudly, before anything starts, when a cached install or a system package is missing. */
export function requireInstalled({ chromium = true } = {}) {
	if (!existsSync(node24)) throw new HarnessError(`Node 24 not installed at ${node24} — run test/harness/setup.sh`);
	if (!existsSync(codeServerEntry) || !existsSync(join(harnessEnv.CODE_SERVER_DIR, '.installed'))) {
		throw new HarnessError(`code-server ${codeServerVersion} not installed in ${harnessEnv.CODE_SERVER_DIR} — run test/harness/setup.sh`);
	}
	if (chromium && !existsSync(chromiumPath)) throw new HarnessError(`chromium not found at ${chromiumPath} — apt-get install chromium (or set CHROMIUM_PATH)`);
}

/**
 * A private per-run folder under .harness/run: HOME, XDG dirs, user data and extensions never touch
 * the real profile, and concurrent runs (several people testing at once) never share state.
 */
export function createRunDir(label) {
	const runs = join(harnessRoot, 'run');
	// Failed runs keep their logs for inspection; a day later they are only clutter.
	for (const name of existsSync(runs) ? readdirSync(runs) : []) {
		const path = join(runs, name);
		try {
			if (Date.now() - statSync(path).mtimeMs > 24 * 3600_000) rmSync(path, { recursive: true, force: true });
		} catch {
			// another run removed it first
		}
	}
	const dir = join(runs, `${label}-${process.pid}-${Date.now().toString(36)}`);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	return dir;
}

/** Prints the reason and exits non-zero; used by every harness entry point. */
export function exitWithFailure(stage, error) {
	const reason = error instanceof HarnessError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
	console.error(`${stage}: FAILED — ${reason}`);
	process.exit(1);
}
