/**
 * Starts the machine's gateway as a detached child process running `agent-cost gateway` (the same
 * code as the CLI), or finds the one already running. Detached and unreferenced: it outlives the
 * window that started it, so a window reload — or an extension host crash — never cuts an agent's
 * stream; proxying never runs on the extension host's event loop. A second window attaches to it
 * through the state file (address + control token) in global storage.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { GatewayControl } from './gatewayControl';
import { processAlive, readGatewayState, withGatewayLock, type GatewayState } from './gatewayState';

export interface LaunchOptions {
	/** Where the state file and lock live (global storage). */
	readonly stateDir: string;
	/** `dist/cli.js` of the extension. */
	readonly cliPath: string;
	/** The Node executable (the extension host's: Electron runs as Node with ELECTRON_RUN_AS_NODE). */
	readonly nodePath: string;
	/** `agent-cost gateway` options besides `--state-dir`. */
	readonly args: readonly string[];
	/** The gateway's stdout and stderr. */
	readonly logFile: string;
	/** More environment for the child (the Redis password from the secret store, never a settings file). */
	readonly env?: Readonly<Record<string, string>>;
	/** @default 30 000 */
	readonly timeoutMs?: number;
}

class GatewayLaunchError extends Error {
	override readonly name = 'GatewayLaunchError';
}

/** The running gateway described by the state file, if it answers. */
export async function findGateway(stateDir: string): Promise<GatewayState | undefined> {
	const s = readGatewayState(stateDir);
	if (!s || !processAlive(s.pid)) return undefined;
	try {
		await new GatewayControl(s).health();
		return s;
	} catch {
		return undefined;
	}
}

function logTail(file: string): string {
	try {
		return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' / ');
	} catch {
		return '';
	}
}

/** The running gateway, started first when there is none. */
export async function ensureGateway(o: LaunchOptions): Promise<{ readonly state: GatewayState; readonly started: boolean }> {
	// Check and spawn under the lock; the child takes the same lock to write its state, so wait outside it.
	const spawned = await withGatewayLock(o.stateDir, async () => {
		const running = await findGateway(o.stateDir);
		if (running) return { running };
		const out = openSync(o.logFile, 'a', 0o600);
		try {
			const child = spawn(o.nodePath, [o.cliPath, 'gateway', '--state-dir', o.stateDir, ...o.args], {
				detached: true,
				stdio: ['ignore', out, out],
				env: { ...process.env, ...o.env, ELECTRON_RUN_AS_NODE: '1', AGENT_COST_GATEWAY_LOG: o.logFile },
				windowsHide: true,
			});
			let exited: number | null | undefined;
			child.once('exit', code => (exited = code));
			child.once('error', () => (exited = -1));
			child.unref();
			return { child: () => exited, pid: child.pid, kill: () => child.kill('SIGTERM') };
		} finally {
			closeSync(out);
		}
	});
	if ('running' in spawned && spawned.running) return { state: spawned.running, started: false };
	if (!('child' in spawned)) throw new GatewayLaunchError('the gateway could not be spawned');
	const exitCode = spawned.child;
	const deadline = Date.now() + (o.timeoutMs ?? 30_000);
	for (;;) {
		// Another window's gateway may win the race: any healthy gateway in the state file will do,
		// and ours is then redundant (left alone it could start later, once the winner has stopped).
		const state = await findGateway(o.stateDir);
		if (state) {
			if (state.pid !== spawned.pid && exitCode() === undefined) spawned.kill();
			return { state, started: state.pid === spawned.pid };
		}
		const code = exitCode();
		if (code !== undefined && code !== 0) throw new GatewayLaunchError(`the gateway exited with code ${code} while starting${logTail(o.logFile) ? `: ${logTail(o.logFile)}` : ''} (log: ${o.logFile})`);
		if (Date.now() > deadline) throw new GatewayLaunchError(`the gateway did not start within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s (log: ${o.logFile})`);
		await new Promise(r => setTimeout(r, 100));
	}
}
