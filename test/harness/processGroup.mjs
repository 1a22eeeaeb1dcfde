// Child processes the harness starts run in their own process group, and the whole group is killed:
// code-server forks a child that forks the extension host and a file watcher, so killing only the
// PID we launched would leave them running (REAL-VSCODE.md pitfall 12).
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

const live = new Set();

function groupAlive(pid) {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}

function signalGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

/**
 * Starts `command` detached (a new process group). Output goes to `logFile` when given, otherwise it
 * is inherited. Returns the child plus `stop()`, which SIGTERMs the group and SIGKILLs what is left
 * after a grace period.
 */
export function spawnGroup(command, args, { cwd, env, logFile, inherit = false } = {}) {
	let stdio = 'ignore';
	let fd;
	if (logFile) {
		fd = openSync(logFile, 'a');
		stdio = ['ignore', fd, fd];
	} else if (inherit) {
		stdio = ['ignore', 'inherit', 'inherit'];
	}
	const child = spawn(command, args, { cwd, env, stdio, detached: true });
	if (fd !== undefined) closeSync(fd);
	const exited = new Promise(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
	child.once('error', () => {});
	const handle = {
		child,
		pid: child.pid,
		exited,
		async stop(graceMs = 4000) {
			live.delete(handle);
			if (child.pid === undefined) return;
			signalGroup(child.pid, 'SIGTERM');
			const deadline = Date.now() + graceMs;
			while (groupAlive(child.pid) && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
			if (groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
		},
	};
	if (child.pid !== undefined) live.add(handle);
	return handle;
}

/**
 * Runs a command in its own group to completion, with a timeout that kills the whole group.
 * Resolves `{ code, signal, timedOut }`; never rejects for a non-zero exit.
 */
export async function runGroup(command, args, { timeoutMs, ...options } = {}) {
	const handle = spawnGroup(command, args, options);
	let timedOut = false;
	let timer;
	if (timeoutMs) {
		timer = setTimeout(() => {
			timedOut = true;
			void handle.stop();
		}, timeoutMs);
	}
	const result = await new Promise(resolve => {
		handle.child.once('error', error => resolve({ code: null, signal: null, error }));
		handle.exited.then(resolve);
	});
	clearTimeout(timer);
	live.delete(handle);
	// The leader exited; make sure nothing it forked outlives it.
	if (handle.pid !== undefined && groupAlive(handle.pid)) await handle.stop(1000);
	return { ...result, timedOut };
}

/** Kills every group still running; synchronous so it also works from an 'exit' handler. */
export function killAllGroups() {
	for (const handle of live) {
		if (handle.pid !== undefined) signalGroup(handle.pid, 'SIGKILL');
	}
	live.clear();
}

let installed = false;
let stopping = false;
/** True once a signal asked us to stop: children exiting now is expected, not a failure. */
export function shuttingDown() {
	return stopping;
}

/** Ctrl-C, SIGTERM or an uncaught crash still take every started group down with us. */
export function installCleanupHandlers() {
	if (installed) return;
	installed = true;
	process.on('exit', killAllGroups);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(signal, () => {
			stopping = true;
			// SIGTERM first so code-server can shut its children down; whatever is left gets SIGKILL.
			void Promise.all([...live].map(handle => handle.stop(3000))).finally(() => {
				killAllGroups();
				process.exit(signal === 'SIGINT' ? 130 : 143);
			});
		});
	}
}
