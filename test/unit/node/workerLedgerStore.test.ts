import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLedgerStore } from '../../../src/node/fileLedger';
import { WorkerLedgerStore } from '../../../src/node/workerLedgerStore';
import { repoRoot } from '../../support/paths';

const limits = { runNano: 1_000, dailyNano: 0, maxSteps: 0 };
const request = (id: string, day = '2026-03-01') => ({ id, runId: 'r', day, nano: 70, model: 'm', at: 1, limits, enforce: true, newStep: true, expiresAt: 1e15 });

describe('spend ledger: group commits and the worker thread', () => {
	it('runGroup runs every operation under one lock; a bad one fails alone', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'ledger-group-'));
		const store = new FileLedgerStore(dir);
		try {
			const results = await store.runGroup([
				{ op: 'reserve', request: request('a') },
				{ op: 'reserve', request: request('bad', 'not-a-day') },
				{ op: 'settle', id: 'a', nano: 50, at: 2 },
				{ op: 'totals', runId: 'r', day: '2026-03-01', at: 3 },
			]);
			assert.deepEqual(results[1], { error: 'invalid budget day "not-a-day"', reason: 'badDay' });
			assert.deepEqual(results[2], { ok: 'settled' });
			assert.deepEqual(results[3], { ok: { run: { spentNano: 50, reservedNano: 0, steps: 1 }, daily: { spentNano: 50, reservedNano: 0 } } });
		} finally {
			store.close();
		}
		// Durable: a fresh reader (another process would be the same) replays it.
		const again = new FileLedgerStore(dir);
		try {
			assert.equal((await again.totals('r', '2026-03-01', 4)).run.spentNano, 50);
		} finally {
			again.close();
		}
	});

	it('the worker-backed store admits exactly what the limit covers under 100 concurrent reservations, and the files agree', async () => {
		const worker = join(repoRoot(), 'dist', 'ledgerWorker.js');
		assert.ok(existsSync(worker), 'dist/ledgerWorker.js is built by `npm run build`');
		const dir = mkdtempSync(join(tmpdir(), 'ledger-worker-'));
		const store = new WorkerLedgerStore(dir, worker);
		try {
			const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => store.reserve(request(`c${i}`))));
			assert.equal(outcomes.filter(o => o.ok).length, Math.floor(limits.runNano / 70));
			assert.ok(outcomes.filter(o => !o.ok).every(o => !o.ok && o.reason === 'run'));
			assert.equal(await store.settle('c0', 10, 5), 'settled');
			assert.equal(await store.release('c1', 5), 'released');
			assert.equal(await store.release('nope', 5), 'missing');
			await assert.rejects(store.reserve(request('x', 'garbage')), /invalid budget day/);
		} finally {
			await store.close();
		}
		const reader = new FileLedgerStore(dir);
		try {
			const t = await reader.totals('r', '2026-03-01', 6);
			assert.deepEqual([t.run.spentNano, t.run.reservedNano], [10, 70 * (Math.floor(limits.runNano / 70) - 2)]);
		} finally {
			reader.close();
		}
	});
});
