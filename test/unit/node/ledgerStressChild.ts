// Child process of the file ledger's kill -9 stress test (bundled by the test with esbuild).
// argv: <ledgerDir> <markerFile> <worker> <dailyNano> <epochMs>
// Reserves and settles in a loop, printing "granted <id> <nano>" once a reservation is acknowledged,
// and marks its critical sections (see `probe`).
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { FileLedgerStore } from '../../../src/node/fileLedger';

const [dir, marker, worker, dailyArg, epochArg] = process.argv.slice(2);
const me = String(process.pid);

const pause = new Int32Array(new SharedArrayBuffer(4));
let section = 0;
let mine = '';

/**
 * Marks the critical section in a shared file (`<pid> <section>`). Entering while the file names
 * another process prints "overlap <pid> <section>"; leaving prints "exit <pid> <section>" AFTER the
 * marker is gone. An overlap counts only when its other process later printed that exit: it was
 * then alive and inside, not a holder killed mid-section whose lock the OS had just released.
 */
const probe = {
	enter(): void {
		mine = `${me} ${++section}`;
		try {
			const fd = openSync(marker, 'wx');
			writeSync(fd, mine);
			closeSync(fd);
		} catch {
			let other = '';
			try {
				other = readFileSync(marker, 'utf8');
			} catch {
				// removed meanwhile by the process that held it
			}
			if (/^\d+ \d+$/.test(other) && !other.startsWith(`${me} `)) process.stdout.write(`overlap ${other}\n`);
			writeFileSync(marker, mine);
		}
		// A slow disk, in effect: kills land inside the critical section often, and other
		// processes queue up behind the lock — the conditions under which a lock is taken over.
		Atomics.wait(pause, 0, 0, 1);
	},
	exit(): void {
		try {
			if (readFileSync(marker, 'utf8') === mine) unlinkSync(marker);
		} catch {
			// the marker of a process that overlapped us; reported by it
		}
		process.stdout.write(`exit ${mine}\n`);
	},
};

/** A fresh budget day every `epochMs`, so each one starts empty and fills up under contention. */
function dayOf(at: number): string {
	return new Date(Date.UTC(2026, 0, 1) + (Math.floor(at / Number(epochArg)) % 20_000) * 86_400_000).toISOString().slice(0, 10);
}

async function main(): Promise<void> {
	const store = new FileLedgerStore(dir, { probe, fsync: false });
	const limits = { runNano: 0, dailyNano: Number(dailyArg), maxSteps: 0 };
	for (let i = 0; ; i++) {
		const id = `${worker}.${me}.${i}`;
		const nano = 800 + Math.floor(Math.random() * 400);
		const at = Date.now();
		const o = await store.reserve({ id, runId: `run-${worker}`, day: dayOf(at), nano, model: 'm', at, limits, enforce: true, newStep: true, expiresAt: at + 3_600_000 });
		if (!o.ok) {
			process.stdout.write(`refused ${id}\n`);
			await new Promise(r => setTimeout(r, Math.random() * 2));
			continue;
		}
		process.stdout.write(`granted ${id} ${nano}\n`);
		await new Promise(r => setTimeout(r, Math.random() * 3));
		// The real cost is below the worst case, so room comes back and the day hovers at its limit.
		await store.settle(id, Math.floor(nano * (0.4 + Math.random() * 0.2)), Date.now());
	}
}
void main().catch(e => {
	process.stderr.write(String(e instanceof Error ? e.stack : e));
	process.exit(1);
});
