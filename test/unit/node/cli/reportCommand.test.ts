import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommands } from '../../../../src/node/cli/commands';
import { reportCommand } from '../../../../src/node/cli/reportCommand';
import { transcriptsDir } from '../../../support/paths';
import { runCliCaptured } from '../../../support/cliRun';

const run = (argv: string[], cwd: string) => runCliCaptured(['report', ...argv], cwd, [reportCommand]);

describe('agent-cost report', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-report-'));
		mkdirSync(join(dir, 'runs'));
		copyFileSync(join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_django__django-14765.traj.json'), join(dir, 'runs', 'mini.traj.json'));
		copyFileSync(join(transcriptsDir(), 'claude_code', 'claude-reliability_hello-world-script.jsonl'), join(dir, 'runs', 'session.jsonl'));
		copyFileSync(join(transcriptsDir(), 'aider', 'aider_website_example_census.md'), join(dir, 'census.md'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('is registered', () => {
		assert.ok(cliCommands.some(c => c.name === 'report'));
	});

	it('a transcript whose token counts are not counts: the call is unpriced with a warning naming file and line, and the exit code is 1', async () => {
		const lines = readFileSync(join(dir, 'runs', 'session.jsonl'), 'utf8').split('\n');
		const at = lines.findIndex(l => l.includes('"usage"'));
		const v = JSON.parse(lines[at]);
		v.message.usage.input_tokens = -50;
		lines[at] = JSON.stringify(v);
		writeFileSync(join(dir, 'bad.jsonl'), lines.join('\n'));
		const r = await run(['bad.jsonl', '--json'], dir);
		assert.equal(r.code, 1);
		const [entry] = JSON.parse(r.stdout) as { computedCostUsd: number | null; warnings: { code: string; message: string }[] }[];
		assert.ok(
			entry.warnings.some(w => w.code === 'invalidUsage' && w.message.startsWith(`bad.jsonl:${at + 1}: call 1: its token counts are not counts (input_tokens: -50 is negative)`)),
			JSON.stringify(entry.warnings),
		);
		assert.match(r.stderr, /bad\.jsonl: 1 call\(s\) with token counts that are not counts; their cost is unknown/);
	});

	it('--json: one entry per file with the documented fields and the real numbers', async () => {
		const r = await run(['runs', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout) as Record<string, unknown>[];
		assert.deepEqual(
			out.map(e => e.file),
			[join('runs', 'mini.traj.json'), join('runs', 'session.jsonl')],
		);
		for (const e of out) for (const key of ['file', 'format', 'calls', 'models', 'usage', 'recordedCostUsd', 'computedCostUsd', 'warnings']) assert.ok(key in e, key);
		const [mini, claude] = out as {
			calls: number;
			format: string;
			usage: Record<string, number>;
			recordedCostUsd: number | null;
			computedCostUsd: number | null;
			warnings: { code: string }[];
		}[];
		assert.equal(mini.format, 'mini-swe-agent');
		assert.equal(mini.calls, 13);
		assert.deepEqual(mini.usage, { input: 80_192, cacheRead: 46_437, cacheWrite: 0, output: 2_913, reasoning: 238 });
		assert.equal(mini.recordedCostUsd, 0.1117534, 'rounded to 1e-9 USD: no float noise');
		assert.ok(Math.abs(mini.computedCostUsd! - mini.recordedCostUsd!) < 1e-12);
		assert.deepEqual(mini.warnings, []);
		assert.equal(claude.format, 'claude-code');
		assert.equal(claude.calls, 4);
		assert.deepEqual({ ...claude.usage, output: 0 }, { input: 74_578, cacheRead: 71_036, cacheWrite: 3_539, output: 0, reasoning: 0 });
		assert.equal(claude.recordedCostUsd, null);
		assert.deepEqual(
			claude.warnings.map(w => w.code),
			['placeholderOutput'],
		);
	});

	it('human table by default: ≈ on estimates, "no price" for unknown models, warnings listed', async () => {
		const r = await run(['census.md', join('runs', 'session.jsonl')], dir);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.split('\n');
		assert.match(lines[0], /^file\s+format\s+calls\s+input\s+cache read\s+cache write\s+output\s+recorded\s+computed$/);
		assert.match(lines[1], /^census\.md\s+aider\s+10\s+≈10,583 .*≈2,040\s+—\s+no price$/);
		assert.match(lines[2], /session\.jsonl\s+claude-code\s+4\s+74,578\s+71,036\s+3,539\s+≈\d+\s+—\s+≈\$0\.0\d\d$/);
		assert.match(r.stdout, /census\.md:\n {2}- the transcript has no usage lines/);
		assert.match(r.stdout, /have no price/);
	});

	it('--model prices a file that records none; --calls lists every call', async () => {
		const r = await run(['census.md', '--model', 'gpt-4', '--calls', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		const [e] = JSON.parse(r.stdout) as { models: string[]; computedCostUsd: number; callDetails: { model: string; usageSource: string }[] }[];
		assert.deepEqual(e.models, ['gpt-4']);
		// gpt-4 at $30/$60 per Mtok: 10,583 input (cl100k count) … the exact number is the engine's; it is priced, not null.
		assert.ok(e.computedCostUsd > 0.3 && e.computedCostUsd < 0.5, String(e.computedCostUsd));
		assert.equal(e.callDetails.length, 10);
		assert.ok(e.callDetails.every(c => c.model === 'gpt-4' && c.usageSource === 'counted'));
	});

	it('a file that cannot be read: reported AFTER the others, exit 1, clear message', async () => {
		writeFileSync(join(dir, 'broken.json'), '{"interactions": [ {"request": }');
		const r = await run(['runs', 'broken.json', 'missing.jsonl', '--json'], dir);
		assert.equal(r.code, 1);
		const out = JSON.parse(r.stdout) as { file: string; calls?: number; error?: { reason: string; line?: number } }[];
		// In argument order; the readable files are still reported, the messages come after the report.
		assert.deepEqual(
			out.map(e => e.file),
			[join('runs', 'mini.traj.json'), join('runs', 'session.jsonl'), 'broken.json', 'missing.jsonl'],
		);
		assert.deepEqual(
			out.filter(e => e.error).map(e => [e.file, e.error!.reason]),
			[
				['broken.json', 'malformed'],
				['missing.jsonl', 'unreadable'],
			],
		);
		assert.match(r.stderr, /broken\.json:1:\d+: invalid JSON/);
		assert.match(r.stderr, /missing\.jsonl: cannot read: no such file or folder/);
		const human = await run(['runs', 'broken.json'], dir);
		assert.equal(human.code, 1);
		assert.match(human.stdout, /Not reported:\n {2}- broken\.json:1:\d+: invalid JSON/);
	});

	it('bad arguments exit 2; a folder without transcripts exits 1', async () => {
		assert.equal((await run([], dir)).code, 2);
		mkdirSync(join(dir, 'empty'));
		const r = await run(['empty'], dir);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /no transcript files found in empty/);
	});
});
