import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleChild } from '../../support/bundleChild';
import { runKillLoop } from '../../support/killLoop';

/**
 * Replays a day file in file order — the order every process's decisions must agree with — and
 * returns each point where the reservations acknowledged to a worker ("granted") held more than the
 * limit. Only acknowledged reservations are counted, so a record of a process killed before it
 * heard back can never cause a false alarm.
 */
export function overshoots(text: string, granted: ReadonlySet<string>, limit: number): string[] {
	const held = new Map<string, number>();
	let sum = 0;
	const out: string[] = [];
	for (const line of text.split('\n')) {
		let r: { t?: string; id?: string; nano?: number };
		try {
			r = JSON.parse(line);
		} catch {
			continue;
		}
		if (typeof r.id !== 'string' || !granted.has(r.id)) continue;
		if (r.t === 'reserve' && !held.has(r.id) && typeof r.nano === 'number') {
			held.set(r.id, r.nano);
			sum += r.nano;
			if (sum > limit) out.push(`${r.id}: ${sum} > ${limit}`);
		} else if ((r.t === 'settle' || r.t === 'release') && held.has(r.id)) {
			sum += (r.t === 'settle' && typeof r.nano === 'number' ? r.nano : 0) - held.get(r.id)!;
			held.set(r.id, r.t === 'settle' ? (r.nano ?? 0) : 0);
			held.delete(r.id);
		}
	}
	return out;
}

describe('FileLedgerStore under kill -9 (stress)', function () {
	this.timeout(120_000);
	let dir: string;
	let childJs: string;
	before(async () => {
		dir = mkdtempSync(join(tmpdir(), 'acl-ledger-stress-'));
		childJs = await bundleChild('ledgerStressChild', dir);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	it('the overshoot check finds a reservation granted past the limit (self-check)', () => {
		const lines = [
			{ t: 'reserve', id: 'a', nano: 600 },
			{ t: 'reserve', id: 'lost', nano: 900 },
			{ t: 'settle', id: 'a', nano: 300 },
			{ t: 'reserve', id: 'b', nano: 600 },
			{ t: 'reserve', id: 'c', nano: 200 },
		].map(l => JSON.stringify(l));
		assert.deepEqual(overshoots(lines.join('\n'), new Set(['a', 'b', 'c']), 1000), ['c: 1100 > 1000']);
		assert.deepEqual(overshoots(lines.slice(0, 4).join('\n'), new Set(['a', 'b']), 1000), []);
	});

	it('5 processes killed at random never run the critical section together nor grant past the daily limit', async () => {
		const ledger = join(dir, 'ledger');
		const limit = 4_000; // room for about four reservations per budget day: every day fills up and stays full
		const run = await runKillLoop({
			workers: 6,
			args: w => [childJs, ledger, join(dir, 'inside'), String(w), String(limit), '2000'],
			durationMs: 10_000,
			killEveryMs: 40,
			// The process inside the critical section: its lock is left behind, to be taken over.
			victim: () => {
				try {
					return Number(readFileSync(join(dir, 'inside'), 'utf8').split(' ')[0]);
				} catch {
					return undefined;
				}
			},
		});
		assert.deepEqual(run.crashes, []);
		const granted = new Set<string>();
		const exits = new Set<string>();
		const reported: string[] = [];
		for (const line of run.lines) {
			const [kind, ...rest] = line.split(' ');
			if (kind === 'granted') granted.add(rest[0]);
			else if (kind === 'exit') exits.add(rest.join(' '));
			else if (kind === 'overlap') reported.push(rest.join(' '));
		}
		const overlaps = reported.filter(section => exits.has(section));
		const files = readdirSync(ledger).filter(f => f.startsWith('spend-'));
		const over = files.flatMap(f => overshoots(readFileSync(join(ledger, f), 'utf8'), granted, limit).map(o => `${f} ${o}`));
		// The run must have been a real fight: holders killed, days filled to their limit and refusing.
		const refused = run.lines.filter(l => l.startsWith('refused')).length;
		assert.ok(run.kills >= 30 && granted.size >= 15 && refused >= 50, `${run.kills} kills, ${granted.size} reservations granted, ${refused} refused`);
		assert.deepEqual({ overlaps: overlaps.length, overshoots: over.slice(0, 5) }, { overlaps: 0, overshoots: [] }, `${run.kills} kills, ${granted.size} granted, ${files.length} days`);
	});
});
