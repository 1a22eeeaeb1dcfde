// Child process for the ledger crash and multi-process tests (bundled by the test with esbuild).
// argv: <ledgerPath> <mode: loop|burst> <workerId> <count> <dailyNano>
// Prints "ok <id>" after a settle is durable, "refused <id>" after a refusal.
// Or: <ledgerPath> hold <lockMechanism> — takes the ledger's lock, prints "held" and keeps it.
import { FileLedgerStore } from '../../../src/node/fileLedger';
import { createProcessLock, type LockMechanism } from '../../../src/node/processLock';

async function main(): Promise<void> {
	const [path, mode, worker, countArg, dailyArg] = process.argv.slice(2);
	if (mode === 'hold') {
		await createProcessLock(path, worker as LockMechanism).acquire(5_000);
		process.stdout.write('held\n');
		setInterval(() => undefined, 60_000);
		return;
	}
	const store = new FileLedgerStore(path);
	const count = Number(countArg);
	const limits = { runNano: 0, dailyNano: Number(dailyArg), maxSteps: 0 };
	for (let i = 0; mode === 'loop' || i < count; i++) {
		const id = `${worker}-${i}`;
		const o = await store.reserve({ id, runId: `run-${worker}`, day: '2026-11-27', nano: 1000 + (i % 7), model: 'gpt-4o', at: i, limits, enforce: true, newStep: true, expiresAt: 1e15 });
		if (!o.ok) {
			process.stdout.write(`refused ${id}\n`);
			continue;
		}
		// burst: keep the reservation open a moment so processes overlap
		if (mode === 'burst') await new Promise(r => setTimeout(r, Math.random() * 3));
		await store.settle(id, 900 + (i % 5), i);
		process.stdout.write(`ok ${id}\n`);
	}
	store.close();
}
void main();
