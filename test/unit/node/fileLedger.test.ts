import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLedgerLine } from '../../../src/core/budget/ledgerLine';
import { FileLedgerStore, LedgerError } from '../../../src/node/fileLedger';
import { bundleChild } from '../../support/bundleChild';

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
	childJs = await bundleChild('ledgerChild', dir);
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

	for (const mechanism of ['abstractSocket', 'tokenFile'] as const) {
		it(`lock (${mechanism}): a live holder is never robbed, however long it holds; a holder killed with -9 releases it by dying`, async function () {
			if (mechanism === 'abstractSocket' && process.platform !== 'linux') this.skip();
			this.timeout(30_000);
			const path = join(dir, `hold-${mechanism}`);
			mkdirSync(path);
			const holder = spawn(process.execPath, [childJs, path, 'hold', mechanism], { stdio: ['ignore', 'pipe', 'inherit'] });
			await new Promise<void>(resolve => holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
			const store = new FileLedgerStore(path, { lockTimeoutMs: 300, lockMechanism: mechanism });
			assert.equal(store.lockMechanism, mechanism);
			// The old lock took over any lock older than 10 s: a stalled (not dead) holder lost it.
			await assert.rejects(store.totals('r', '2026-11-27', 1), (e: unknown) => LedgerError.is(e, 'locked'));
			holder.kill('SIGKILL');
			await new Promise(r => holder.once('exit', r));
			const started = Date.now();
			await store.reserve(req('after-holder-died', 7));
			assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
			assert.equal((await store.totals('r', '2026-11-27', 1)).run.reservedNano, 7);
			store.close();
		});
	}

	it('ignores lines that are JSON but not records (never trusted blindly)', async () => {
		const path = join(dir, 'junk');
		mkdirSync(path);
		appendFileSync(
			join(path, 'spend-2026-11-27.jsonl'),
			'{"t":"settle","id":"z","nano":-5,"at":1}\n[1,2]\n{"t":"reserve","id":"ok","run":"r","day":"2026-11-27","nano":5,"at":1,"exp":9,"model":"m","step":1}\n',
		);
		const s = new FileLedgerStore(path);
		await s.totals('r', '2026-11-27', 1);
		const report = s.loadReport();
		assert.deepEqual(
			{ ...report, damaged: report.damaged.map(d => `${d.line} ${d.why} ${d.effect.kind}`) },
			{
				days: ['2026-11-26', '2026-11-27'],
				records: 1,
				skippedLines: 2,
				damaged: ['1 garbage unknownAmount', '2 garbage unknownAmount'],
			},
		);
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
		const book = s.state;
		// Every acknowledged settle is in the rebuilt state: none of them is still open.
		for (const id of acked) assert.equal(book.isOpen(id), false, `${id} was acknowledged but is open`);
		let minSpent = 0;
		for (const id of acked) minSpent += 900 + (Number(id.split('-')[1]) % 5);
		assert.ok(t.run.spentNano >= minSpent, `spent ${t.run.spentNano} < acknowledged ${minSpent}`);
		assert.ok(s.loadReport().skippedLines <= 1, 'at most the torn last line is skipped');
		// At most one reservation was in flight when the child died.
		assert.ok(book.openCount() <= 1);
		s.close();
		// The lock the dead child may have held died with it: a fresh store can write at once.
		const w = new FileLedgerStore(path, { lockTimeoutMs: 1000 });
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

describe('FileLedgerStore: damage is never silent', () => {
	const day = '2026-11-27';
	/** Three calls settled at $0.30, $0.45, $0.30: $1.05 spent against a $1.00 daily budget. */
	async function threeCalls(path: string): Promise<string[]> {
		const a = new FileLedgerStore(path);
		for (const [id, nano] of [
			['a', 300_000_000],
			['b', 450_000_000],
			['c', 300_000_000],
		] as const) {
			await a.reserve(req(id, nano));
			await a.settle(id, nano, 2);
		}
		a.close();
		return readFileSync(join(path, `spend-${day}.jsonl`), 'utf8').split('\n');
	}

	it('every line carries a checksum; a damaged reservation line still counts (its settlement is not dropped), and the user is told where', async () => {
		const path = join(dir, 'damaged-reserve');
		const lines = await threeCalls(path);
		assert.ok(
			lines.slice(0, 6).every(l => /,"c":"[0-9a-f]{8}"\}$/.test(l)),
			lines.join('\n'),
		);
		// One flipped character in b's reservation (its run id): the line still parses as JSON.
		lines[2] = lines[2].replace('"run":"r"', '"run":"q"');
		writeFileSync(join(path, `spend-${day}.jsonl`), lines.join('\n'));
		const s = new FileLedgerStore(path);
		const t = await s.totals('r', day, 3);
		// Before checksums the damaged line was skipped and b's settlement with it: $0.60 of $1.05.
		assert.equal(t.daily.spentNano, 1_050_000_000);
		assert.deepEqual(
			s.loadReport().damaged.map(d => `${d.file}:${d.line} ${d.why} ${d.effect.kind}`),
			[`spend-${day}.jsonl:3 checksum worstCase`],
		);
		const [warning] = s.warnings();
		assert.equal(warning.kind, 'ledgerDamaged');
		assert.match(warning.message, /1 damaged line: spend-2026-11-27\.jsonl line 3 \(checksum\)\. They are counted at their worst case \(\$0\.4500\)\. Budgets keep working/);
		// And it keeps working: a $1.00 daily budget refuses the next call.
		assert.deepEqual((await s.reserve(req('d', 1, { dailyNano: 1_000_000_000 }))).ok, false);
		s.close();
	});

	it('a damaged settlement counts the larger of its amount and the reservation; an unreadable reservation line is still reported', async () => {
		const path = join(dir, 'damaged-settle');
		const lines = await threeCalls(path);
		lines[3] = lines[3].replace('"nano":450000000', '"nano":150000000'); // b's settlement, lowered
		lines[4] = '{"t":"reserve","id":"c","ru\u0000\u0000\u0000'; // c's reservation, garbled beyond reading
		writeFileSync(join(path, `spend-${day}.jsonl`), lines.join('\n'));
		const s = new FileLedgerStore(path);
		const t = await s.totals('r', day, 3);
		// b at its reserved $0.45 (not the damaged $0.15); c's valid settlement counts without its reservation.
		assert.equal(t.daily.spentNano, 1_050_000_000);
		assert.deepEqual(
			s.loadReport().damaged.map(d => `${d.line} ${d.why} ${d.effect.kind}`),
			['4 checksum worstCase', '5 torn unknownAmount', '6 orphan worstCase'],
		);
		s.close();
	});

	it('a full disk is a typed error that says so, the call is not acknowledged, and nothing half-written is left to count', async function () {
		if (process.platform !== 'linux') this.skip();
		const path = join(dir, 'full-disk');
		mkdirSync(path);
		// /dev/full answers every write with ENOSPC: a real full disk, without filling one.
		symlinkSync('/dev/full', join(path, `spend-${day}.jsonl`));
		const s = new FileLedgerStore(path);
		await assert.rejects(
			s.reserve(req('x', 5)),
			(e: unknown) => LedgerError.is(e, 'noSpace') && /disk holding the spend ledger is full/.test((e as Error).message) && /ENOSPC/.test((e as Error).message),
		);
		assert.equal(s.state.isOpen('x'), false);
		s.close();
	});
});

describe('FileLedgerStore: a reservation past its limit in file order is void for every reader', () => {
	it('two writers that decided on the same view: the second reads its reservation back as void and is refused', async () => {
		const path = join(dir, 'fence');
		const s = new FileLedgerStore(path);
		// What an overlapping writer leaves: two reservations that each fit alone, not together.
		const line = (id: string) => encodeLedgerLine({ t: 'reserve', id, run: 'r', day: '2026-11-27', nano: 600, at: 1, exp: 1e15, model: 'm', step: 1, lim: 1000 });
		writeFileSync(join(path, 'spend-2026-11-27.jsonl'), `${line('first')}\n${line('second')}\n`);
		assert.deepEqual((await s.totals('r', '2026-11-27', 2)).daily, { spentNano: 0, reservedNano: 600 });
		assert.equal(s.state.isVoid('second'), true);
		// A writer whose own record lands after the day is full gets a refusal, not an overshoot.
		const late = await s.reserve(req('third', 300, { dailyNano: 1000 }));
		assert.equal(late.ok, true);
		assert.deepEqual((await s.reserve(req('fourth', 300, { dailyNano: 1000 }))).ok, false);
		s.close();
	});
});
