// Child process of the file ledger's kill -9 stress test (bundled by the test with esbuild).
// argv: <ledgerDir> <markerFile> <worker> <dailyNano> <epochMs>
// Reserves and settles in a loop, printing "granted <id> <nano>" once a reservation is acknowledged
// and "overlap <pid>" when it finds another live process inside the ledger's critical section.
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { FileLedgerStore } from '../../../src/node/fileLedger';

const [dir, marker, worker, dailyArg, epochArg] = process.argv.slice(2);
const me = String(process.pid);

/** A process is inside only while it runs: a zombie (killed, not yet reaped) holds nothing. */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		return false;
	}
}

const pause = new Int32Array(new SharedArrayBuffer(4));

const probe = {
	enter(): void {
		try {
			const fd = openSync(marker, 'wx');
			writeSync(fd, me);
			closeSync(fd);
		} catch {
			let other = 0;
			try {
				other = Number(readFileSync(marker, 'utf8'));
			} catch {
				// removed meanwhile by the process that held it
			}
			if (other > 0 && String(other) !== me && alive(other)) process.stdout.write(`overlap ${other}\n`);
			writeFileSync(marker, me);
		}
		// A slow disk, in effect: kills land inside the critical section often, and other
		// processes queue up behind the lock — the conditions under which a lock is taken over.
		Atomics.wait(pause, 0, 0, 1);
	},
	exit(): void {
		try {
			if (readFileSync(marker, 'utf8') === me) unlinkSync(marker);
		} catch {
			// the marker of a process that overlapped us; already reported
		}
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
