import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { FileLedgerStore } from '../../../src/node/fileLedger';
import { repoRoot } from '../../support/paths';

const limits = { runNano: 0, dailyNano: 0, maxSteps: 0 };
const req = (id: string, nano: number, over: Partial<{ runId: string; day: string; dailyNano: number }> = {}) => ({
	id,
	runId: over.runId ?? 'r',
	day: over.day ?? '2026-11-27',
	nano,
	model: 'gpt-4o',
	at: 1,
	limits: { ...limits, dailyNano: over.dailyNano ?? 0 },
	enforce: true,
	newStep: true,
	expiresAt: 1e15,
});

let dir: string;
let childJs: string;

before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'acl-ledger-'));
	childJs = join(dir, 'ledgerChild.js');
	await esbuild.build({ entryPoints: [join(repoRoot(), 'test/unit/node/ledgerChild.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: childJs, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('FileLedgerStore', () => {
	it('survives a restart: replaying the file rebuilds reserved, spent and steps', async () => {
		const path = join(dir, 'restart.jsonl');
		const a = new FileLedgerStore(path);
		await a.reserve(req('x1', 500));
		await a.reserve(req('x2', 700));
		await a.settle('x1', 450, 2);
		await a.release('x2', 2);
		await a.reserve(req('x3', 100));
		const before = await a.totals('r', '2026-11-27', 3);
		a.close();
		const b = new FileLedgerStore(path);
		assert.deepEqual(await b.totals('r', '2026-11-27', 3), before);
		assert.deepEqual(before, { run: { spentNano: 450, reservedNano: 100, steps: 3 }, daily: { spentNano: 450, reservedNano: 100 } });
		assert.equal(b.loadReport().skippedLines, 0);
		// Each record is one JSON line in the file of its budget day.
		assert.equal(readFileSync(join(path, 'spend-2026-11-27.jsonl'), 'utf8').trim().split('\n').length, 5);
		b.close();
	});

	it('skips a torn last line on load and appends cleanly after it', async () => {
		const path = join(dir, 'torn.jsonl');
		const a = new FileLedgerStore(path);
		await a.reserve(req('y1', 500));
		await a.settle('y1', 400, 2);
		a.close();
		appendFileSync(join(path, 'spend-2026-11-27.jsonl'), '{"t":"reserve","id":"y2","run":"r","da'); // a write cut by kill -9
		const b = new FileLedgerStore(path);
		await b.reserve(req('y3', 50));
		assert.equal(b.loadReport().skippedLines, 1);
		b.close();
		const c = new FileLedgerStore(path);
		assert.deepEqual((await c.totals('r', '2026-11-27', 3)).run, { spentNano: 400, reservedNano: 50, steps: 2 });
		assert.deepEqual(c.loadReport().days, ['2026-11-26', '2026-11-27']);
		assert.equal(c.loadReport().skippedLines, 1);
		c.close();
	});

	it('a lock file that names no holder (killed between creating and writing it) is taken over after a second, not after staleLockMs', async () => {
		const path = join(dir, 'unnamed-lock');
		mkdirSync(path);
		const lock = join(path, 'spend.lock');
		writeFileSync(lock, '');
		const soon = new Date(Date.now() + 60_000); // "just created" however slow this machine is
		utimesSync(lock, soon, soon);
		const fresh = new FileLedgerStore(path, { lockTimeoutMs: 100 });
		// Just created: a live holder may be about to write its pid, so it is respected.
		await assert.rejects(fresh.totals('r', '2026-11-27', 1), /lock held for more than 100 ms/);
		fresh.close();
		const twoSecondsAgo = new Date(Date.now() - 2_000);
		utimesSync(lock, twoSecondsAgo, twoSecondsAgo);
		const s = new FileLedgerStore(path); // default staleLockMs (10 s) and lockTimeoutMs (5 s)
		await s.reserve(req('after-unnamed', 7));
		assert.equal((await s.totals('r', '2026-11-27', 1)).run.reservedNano, 7);
		s.close();
	});

	it('ignores lines that are JSON but not records (never trusted blindly)', async () => {
		const path = join(dir, 'junk');
		mkdirSync(path);
		appendFileSync(
			join(path, 'spend-2026-11-27.jsonl'),
			'{"t":"settle","id":"z","nano":-5,"at":1}\n[1,2]\n{"t":"reserve","id":"ok","run":"r","day":"2026-11-27","nano":5,"at":1,"exp":9,"model":"m","step":1}\n',
		);
		const s = new FileLedgerStore(path);
		await s.totals('r', '2026-11-27', 1);
		assert.deepEqual(s.loadReport(), { days: ['2026-11-26', '2026-11-27'], records: 1, skippedLines: 2 });
		s.close();
	});

	it('kill -9 while a child writes in a loop: the ledger stays readable and no acknowledged settle is lost', async function () {
		this.timeout(30_000);
		const path = join(dir, 'kill.jsonl');
		const child = spawn(process.execPath, [childJs, path, 'loop', 'k', '0', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
		const acked: string[] = [];
		let buffer = '';
		await new Promise<void>(resolve => {
			child.stdout.on('data', (d: Buffer) => {
				buffer += d.toString();
				const lines = buffer.split('\n');
				buffer = lines.pop()!;
				for (const l of lines) if (l.startsWith('ok ')) acked.push(l.slice(3));
				if (acked.length >= 150 && !child.killed) {
					child.kill('SIGKILL');
					resolve();
				}
			});
		});
		await new Promise(r => child.once('exit', r));
		assert.ok(acked.length >= 150);
		const s = new FileLedgerStore(path);
		const t = await s.totals('run-k', '2026-11-27', 1);
		const book = s.book;
		// Every acknowledged settle is in the rebuilt state: none of them is still open.
		for (const id of acked) assert.equal(book.isOpen(id), false, `${id} was acknowledged but is open`);
		let minSpent = 0;
		for (const id of acked) minSpent += 900 + (Number(id.split('-')[1]) % 5);
		assert.ok(t.run.spentNano >= minSpent, `spent ${t.run.spentNano} < acknowledged ${minSpent}`);
		assert.ok(s.loadReport().skippedLines <= 1, 'at most the torn last line is skipped');
		// At most one reservation was in flight when the child died.
		assert.ok(book.openCount() <= 1);
		s.close();
		// The lock the dead child may have held is taken over once stale; a fresh store can write.
		const w = new FileLedgerStore(path, { staleLockMs: 200 });
		await w.reserve(req('after-crash', 1));
		w.close();
	});

	it('4 processes × 50 concurrent reservations against one daily budget never exceed it', async function () {
		this.timeout(60_000);
		const path = join(dir, 'multi.jsonl');
		const daily = 120 * 1006; // room for ~120 of the 200 reservations at their worst case
		const outs = await Promise.all(
			[0, 1, 2, 3].map(
				w =>
					new Promise<string>((resolve, reject) => {
						const c = spawn(process.execPath, [childJs, path, 'burst', `w${w}`, '50', String(daily)], { stdio: ['ignore', 'pipe', 'inherit'] });
						let out = '';
						c.stdout.on('data', (d: Buffer) => (out += d.toString()));
						c.once('exit', code => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
					}),
			),
		);
		const lines = outs.join('').trim().split('\n');
		assert.equal(lines.length, 200);
		const ok = lines.filter(l => l.startsWith('ok ')).length;
		assert.ok(ok > 0 && ok < 200, `${ok} accepted`);
		const s = new FileLedgerStore(path);
		const t = (await s.totals('x', '2026-11-27', 1)).daily;
		assert.equal(t.reservedNano, 0);
		assert.ok(t.spentNano <= daily, `spent ${t.spentNano} > ${daily}`);
		assert.equal(s.loadReport().skippedLines, 0);
		s.close();
	});
});

describe('FileLedgerStore: one append-only file per budget day', () => {
	it('writes each record to its reservation day, reads only the day and the one before, and settles across midnight', async () => {
		const path = join(dir, 'days');
		const a = new FileLedgerStore(path);
		await a.reserve(req('old', 100, { day: '2026-11-20' }));
		await a.settle('old', 100, 1);
		await a.reserve(req('late', 300, { day: '2026-11-26' })); // a call started before midnight…
		await a.reserve(req('today', 200, { day: '2026-11-27' }));
		await a.settle('late', 250, 2); // …settles after it: the record goes to the 26th's file
		a.close();
		assert.equal(readFileSync(join(path, 'spend-2026-11-26.jsonl'), 'utf8').trim().split('\n').length, 2);
		// Files of days long past are left alone (their mtime is old).
		const weekAgo = new Date(Date.now() - 7 * 86_400_000);
		utimesSync(join(path, 'spend-2026-11-20.jsonl'), weekAgo, weekAgo);
		const b = new FileLedgerStore(path);
		const t = await b.totals('r', '2026-11-27', 3);
		assert.deepEqual(t.daily, { spentNano: 0, reservedNano: 200 });
		// The run's spend from yesterday's file is known; the 20th is never read.
		assert.deepEqual(t.run, { spentNano: 250, reservedNano: 200, steps: 2 });
		assert.ok(!b.loadReport().days.includes('2026-11-20'));
		// A second process settles a reservation it did not make, on a file it had not read yet.
		const c = new FileLedgerStore(path);
		assert.equal(await c.settle('today', 180, 4), 'settled');
		assert.deepEqual((await b.totals('r', '2026-11-27', 5)).daily, { spentNano: 180, reservedNano: 0 });
		b.close();
		c.close();
	});
});
