import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { outputDecimals, roundForOutput, stringifyForOutput } from '../../../../src/core/lib/outputNumbers';
import { repoRoot, transcriptsDir } from '../../../support/paths';

/** Every number literal in a JSON or CSV text that has more decimals than the outputs keep. */
function noisyNumbers(text: string): string[] {
	return [...text.matchAll(/-?\d+\.(\d+)(?:e[-+]?\d+)?/gi)].filter(m => m[1].length > outputDecimals || /e-(1\d|[2-9]\d)/i.test(m[0])).map(m => m[0]);
}

function agentCost(cwd: string, ...args: string[]) {
	const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), ...args], { encoding: 'utf8', cwd });
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('numbers in machine-readable outputs', () => {
	it('roundForOutput: float noise goes, money stays exact to 1e-9 USD, integers are untouched', () => {
		assert.equal(roundForOutput(0.11175340000000003), 0.1117534);
		assert.equal(roundForOutput(0.1 + 0.2), 0.3);
		assert.equal(roundForOutput(-0.004697499999999999), -0.0046975);
		assert.equal(roundForOutput(0.0031112500000000003), 0.00311125);
		assert.equal(roundForOutput(2.5e-8), 2.5e-8, 'one token at $0.025 per million keeps its value');
		assert.equal(roundForOutput(12_345_678_901), 12_345_678_901);
		assert.ok(Number.isNaN(roundForOutput(Number.NaN)));
		fc.assert(
			fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), x => {
				const r = roundForOutput(x);
				assert.ok(Math.abs(r - x) <= 5e-10 + Math.abs(x) * 1e-15, `${x} → ${r}`);
				assert.equal(roundForOutput(r), r, 'idempotent');
				assert.deepEqual(noisyNumbers(JSON.stringify(r)), [], `${x} → ${r}`);
			}),
			{ numRuns: 2000 },
		);
	});

	it('stringifyForOutput rounds every number, nested, and keeps the shape', () => {
		const text = stringifyForOutput({ a: [0.1 + 0.2, { b: 0.30000000000000004, n: 7 }], s: '0.30000000000000004' });
		assert.equal(text, '{"a":[0.3,{"b":0.3,"n":7}],"s":"0.30000000000000004"}');
	});

	describe('the agent-cost binary', () => {
		let dir: string;
		const noPiSessions = join(tmpdir(), `agent-cost-no-pi-sessions-${process.pid}`);
		before(() => {
			dir = mkdtempSync(join(tmpdir(), 'agent-cost-numbers-'));
			copyFileSync(join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_django__django-14765.traj.json'), join(dir, 'mini.traj.json'));
			const call = (costUsd: number, input: number) =>
				JSON.stringify({ v: 1, type: 'call', at: '2026-03-01T10:00:00.000Z', model: 'gpt-4o', usage: { input, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 7, reasoning: 0 }, costUsd });
			writeFileSync(join(dir, 'calls.agent-cost.jsonl'), [call(0.1, 10), call(0.2, 20), call(0.0031112500000000003, 1297)].join('\n') + '\n');
			writeFileSync(join(dir, 'p.prompt'), 'Count   these words.\n\n\n');
			mkdirSync(noPiSessions, { recursive: true });
		});
		after(() => {
			rmSync(dir, { recursive: true, force: true });
			rmSync(noPiSessions, { recursive: true, force: true });
		});

		const commands: [string, string[]][] = [
			['price', ['price', '--model', 'gpt-4o', '--input', '1234', '--output', '567', '--cache-read', '100', '--json']],
			['report', ['report', 'mini.traj.json', '--json', '--calls']],
			['replay --json', ['replay', 'mini.traj.json', '--json']],
			['replay --csv', ['replay', 'mini.traj.json', '--csv']],
			['metrics', ['metrics', 'calls.agent-cost.jsonl', '--json']],
			['count', ['count', 'p.prompt', '--model', 'gpt-4o', '--json']],
			['compress', ['compress', 'p.prompt', '--strategy', 'lossy', '--json']],
			[
				'sessions',
				[
					'sessions',
					'--json',
					'--tz',
					'UTC',
					...(['claude', 'codex', 'gemini'] as const).flatMap(a => [`--${a}-dir`, join(repoRoot(), 'test', 'fixtures', 'agent-sessions', a)]),
					'--pi-dir',
					noPiSessions,
				],
			],
		];
		for (const [name, args] of commands) {
			it(`${name}: no number carries float noise`, () => {
				const r = agentCost(dir, ...args);
				assert.equal(r.code, 0, r.stderr);
				assert.ok(r.stdout.length > 0);
				assert.deepEqual(noisyNumbers(r.stdout), []);
			});
		}

		it('the rounded values are the real ones: price and report totals', () => {
			const price = JSON.parse(agentCost(dir, 'price', '--model', 'gpt-4o', '--input', '1234', '--output', '567', '--cache-read', '100', '--json').stdout);
			// (1134 × 2.5 + 100 × 1.25 + 567 × 10) / 1e6 — 0.008629999999999999 before rounding
			assert.equal(price.usd, 0.00863);
			const [report] = JSON.parse(agentCost(dir, 'report', 'mini.traj.json', '--json').stdout);
			assert.equal(report.recordedCostUsd, 0.1117534);
			assert.equal(report.computedCostUsd, 0.1117534);
		});
	});
});
