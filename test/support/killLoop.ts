import { spawn, type ChildProcess } from 'node:child_process';

export interface KillLoopOptions {
	/** Workers running at once; each killed one is replaced by a new process with the same worker id. */
	readonly workers: number;
	/** The command line of worker `w` (the program is `process.execPath`). */
	readonly args: (worker: number) => string[];
	readonly durationMs: number;
	/** A worker is killed with SIGKILL this often. */
	readonly killEveryMs: number;
	/** The pid to kill next (e.g. the process inside a critical section); no kill this time when it names none of the workers. Default: a random worker. */
	readonly victim?: () => number | undefined;
}

export interface KillLoopResult {
	/** Every complete stdout line of every process, in arrival order per process. */
	readonly lines: readonly string[];
	readonly kills: number;
	readonly spawned: number;
	/** stderr of processes that exited by themselves with a non-zero code (a crash, not a kill). */
	readonly crashes: readonly string[];
}

/**
 * Runs `workers` child processes for `durationMs`, SIGKILLing a random one every `killEveryMs` and
 * starting a replacement at once: the `kill -9` stress of the budget stores. Complete stdout lines
 * are collected (a killed process's last, partial line is dropped).
 */
export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopResult> {
	const lines: string[] = [];
	const crashes: string[] = [];
	const running = new Map<number, ChildProcess>();
	const exits: Promise<void>[] = [];
	let stopping = false;
	let kills = 0;
	let spawned = 0;
	const start = (w: number): void => {
		const child = spawn(process.execPath, options.args(w), { stdio: ['ignore', 'pipe', 'pipe'] });
		spawned++;
		running.set(w, child);
		let buffer = '';
		let err = '';
		child.stdout!.on('data', (d: Buffer) => {
			buffer += d.toString();
			const parts = buffer.split('\n');
			buffer = parts.pop()!;
			lines.push(...parts);
		});
		child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
		exits.push(
			new Promise(resolve =>
				child.once('close', (code, signal) => {
					if (signal === null && code !== 0) crashes.push(`worker ${w} exited ${code}: ${err.slice(0, 2000)}`);
					if (running.get(w) === child) running.delete(w);
					if (!stopping && signal !== null) start(w);
					resolve();
				}),
			),
		);
	};
	for (let w = 0; w < options.workers; w++) start(w);
	const timer = setInterval(() => {
		const alive = [...running.values()];
		let victim: ChildProcess | undefined;
		if (options.victim) {
			const wanted = options.victim();
			victim = alive.find(c => c.pid === wanted);
		} else victim = alive[Math.floor(Math.random() * alive.length)];
		if (victim?.pid !== undefined && victim.exitCode === null && victim.signalCode === null) {
			kills++;
			victim.kill('SIGKILL');
		}
	}, options.killEveryMs);
	await new Promise(r => setTimeout(r, options.durationMs));
	stopping = true;
	clearInterval(timer);
	for (const child of running.values()) child.kill('SIGKILL');
	// Replacements started just before `stopping` are in `exits` too.
	for (let seen = 0; seen < exits.length; seen = exits.length) await Promise.all(exits.slice(seen));
	return { lines, kills, spawned, crashes };
}
