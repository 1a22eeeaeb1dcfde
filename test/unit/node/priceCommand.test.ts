import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommands } from '../../../src/node/cli/commands';
import { runCliCaptured } from '../../support/cliRun';

const run = (argv: string[], cwd: string) => runCliCaptured(argv, cwd);

describe('agent-cost price', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-price-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('is registered', () => {
		assert.ok(cliCommands.some(c => c.name === 'price'));
	});

	it('an absurd token count is a usage error (exit 2), never priced ($2.5e14 before)', async () => {
		const r = await run(['price', '--model', 'gpt-4o', '--input', '99999999999999999999', '--output', '1'], dir);
		assert.equal(r.code, 2);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, /--input 99999999999999999999 is more than any call can use \(at most 1,000,000,000\)/);
	});

	it('--json: gpt-4o with cached tokens inside --input (no double count)', async () => {
		// 12,000 total, 8,000 cached, 500 out: 4,000 × $2.50 + 8,000 × $1.25 + 500 × $10 = $0.01 + $0.01 + $0.005 = $0.025
		const r = await run(['price', '--model', 'gpt-4o', '--input', '12000', '--cache-read', '8000', '--output', '500', '--at', '2026-06-01', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout);
		assert.equal(out.model, 'gpt-4o');
		assert.ok(Math.abs(out.usd - 0.025) < 1e-12, String(out.usd));
		assert.equal(out.exact, true);
		assert.equal(out.source, '@pydantic/genai-prices 0.1.8');
		assert.equal(out.priceId, 'openai/gpt-4o');
		assert.deepEqual(Object.keys(out.breakdown), ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output']);
		assert.ok(Array.isArray(out.notes));
	});

	it('--json: claude-opus-4-6 with 5m and 1h writes, batch', async () => {
		// 50,000 total = 20,000 uncached + 20,000 5m + 10,000 1h; 800 out; Opus 4.6 flat $5/$6.25/$10/$25, batch halves:
		//   (20,000 × 5 + 20,000 × 6.25 + 10,000 × 10 + 800 × 25) / 1e6 = 0.345 → × 0.5 = $0.1725
		const r = await run(
			['price', '--model', 'claude-opus-4-6', '--input', '50000', '--cache-write', '20000', '--cache-write-1h', '10000', '--output', '800', '--batch', '--at', '2026-06-01', '--json'],
			dir,
		);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout);
		assert.ok(Math.abs(out.usd - 0.1725) < 1e-12, String(out.usd));
		assert.ok(out.notes.some((n: string) => n.includes('batch: 50% off')));
	});

	it('human output: a table with the total and the notes', async () => {
		const r = await run(['price', '--model', 'o3', '--input', '1000', '--output', '1000', '--at', '2025-05-01'], dir);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /o3 → openai\/o3/);
		assert.match(r.stdout, /total\s+2,000\s+\$0\.050/);
		assert.match(r.stdout, /notes:\n {2}- price in effect before 2025-06-10/);
		assert.ok(!r.stdout.includes('≈'));
	});

	it('unknown model: exit 2 with the reason and the override hint', async () => {
		const r = await run(['price', '--model', 'my-local-llm', '--input', '10', '--output', '1'], dir);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /unknown model "my-local-llm": the price data and your overrides have no such id/);
		assert.match(r.stderr, /agentCost\.pricing\.overrides/);
		assert.match(r.stderr, /\.agent-cost\/prices\.json/);
	});

	it("a typo'd model: exit 2 naming the closest known ids (text and JSON), never a price", async () => {
		const r = await run(['price', '--model', 'claude-sonet-4-5', '--input', '10', '--output', '1'], dir);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /did you mean "claude-sonnet-4-5"/);
		const j = await run(['price', '--model', 'gtp-4o', '--input', '10', '--output', '1', '--json'], dir);
		assert.equal(j.code, 2);
		const out = JSON.parse(j.stdout) as { error: string; suggestions: string[] };
		assert.equal(out.error, 'unknownModel');
		assert.equal(out.suggestions[0], 'gpt-4o');
	});

	it('cache parts larger than --input: exit 2 explaining the total-input convention', async () => {
		const r = await run(['price', '--model', 'claude-sonnet-4-5', '--input', '3', '--cache-read', '1111', '--output', '10'], dir);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /exceed --input 3: --input is the TOTAL input/);
	});

	it('bad arguments exit 2', async () => {
		for (const argv of [
			['price', '--input', '1', '--output', '1'],
			['price', '--model', 'gpt-4o', '--output', '1'],
			['price', '--model', 'gpt-4o', '--input', '-5', '--output', '1'],
			['price', '--model', 'gpt-4o', '--input', '5', '--output', '1', '--reasoning', '2'],
			['price', '--model', 'gpt-4o', '--input', '5', '--output', '1', '--at', 'yesterday'],
			['price', '--model', 'gpt-4o', '--input', '5', '--output', '1', '--overrides', 'missing.json'],
			['price', '--model', 'gpt-4o', '--input', '5', '--output', '1', '--frobnicate'],
		]) {
			const r = await run(argv, dir);
			assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code} ${r.stderr}`);
			assert.ok(r.stderr.length > 0);
		}
	});

	it('--help documents the total-input convention', async () => {
		const r = await run(['price', '--help'], dir);
		assert.equal(r.code, 0);
		assert.match(r.stdout, /--input is the TOTAL input/);
	});

	it('overrides: --overrides FILE wins over .agent-cost/prices.json, which wins over the dataset', async () => {
		mkdirSync(join(dir, '.agent-cost'));
		writeFileSync(join(dir, '.agent-cost', 'prices.json'), JSON.stringify({ 'gpt-4o': { input: 100, output: 100 }, 'team-*': { input: 1, output: 1 } }));
		writeFileSync(join(dir, 'mine.json'), JSON.stringify({ 'gpt-4o': { input: 1, output: 2 }, typo: { input: 'x' } }));
		// Workspace file only: 1,000 × $100 + 1,000 × $100 = $0.20
		const ws = JSON.parse((await run(['price', '--model', 'gpt-4o', '--input', '1000', '--output', '1000', '--json'], dir)).stdout);
		assert.ok(Math.abs(ws.usd - 0.2) < 1e-12);
		assert.equal(ws.source, 'override');
		// With --overrides: 1,000 × $1 + 1,000 × $2 = $0.003; the bad entry is a warning on stderr
		const r = await run(['price', '--model', 'gpt-4o', '--input', '1000', '--output', '1000', '--overrides', 'mine.json', '--json'], dir);
		assert.equal(r.code, 0);
		const out = JSON.parse(r.stdout);
		assert.ok(Math.abs(out.usd - 0.003) < 1e-12);
		assert.equal(out.priceId, 'override:gpt-4o');
		assert.match(r.stderr, /warning: mine\.json: "typo"/);
		// Globs from the workspace file still apply.
		const team = JSON.parse((await run(['price', '--model', 'team-llm', '--input', '1000000', '--output', '0', '--json'], dir)).stdout);
		assert.ok(Math.abs(team.usd - 1) < 1e-12);
	});

	it('an estimated price says exact: false and shows ≈', async () => {
		// No 1-hour price for Claude on Vertex → 2× input rule → estimated.
		const args = ['price', '--model', 'claude-sonnet-4-5', '--provider', 'google', '--input', '1000', '--cache-write-1h', '1000', '--output', '0'];
		const json = JSON.parse((await run([...args, '--json'], dir)).stdout);
		assert.equal(json.exact, false);
		const human = await run(args, dir);
		assert.match(human.stdout, /total\s+1,000\s+≈\$0\.006/);
	});
});
