import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { sumUsage } from '../../../../src/core/pricing/usage';
import { CallLedger } from '../../../../src/core/sessions/callLedger';
import type { UsageScanner } from '../../../../src/core/sessions/usageRecord';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { createSessionsCommand } from '../../../../src/node/cli/sessionsCommand';
import { agentRoots } from '../../../../src/node/sessions/agentDirs';
import { readNeededLines } from '../../../../src/node/sessions/neededLines';
import { placeholderCounter } from '../../../../src/node/sessions/placeholderCounter';
import { scanSessionFile } from '../../../../src/node/sessions/scanSessions';
import { runCliCaptured } from '../../../support/cliRun';
import { transcriptsDir } from '../../../support/paths';

const counter = { countText, countChat };
const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });
const sessions = createSessionsCommand({ catalog, count: placeholderCounter(() => counter) });
const claudeFixtures = join(transcriptsDir(), 'claude_code');

let tmp: string;
beforeEach(() => {
	tmp = mkdtempSync(join(tmpdir(), 'agent-sessions-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function lines(path: string): Record<string, unknown>[] {
	return readFileSync(path, 'utf8')
		.split('\n')
		.filter(l => l.trim())
		.map(l => JSON.parse(l) as Record<string, unknown>);
}

function writeLines(path: string, records: readonly unknown[], mtime?: Date): void {
	writeFileSync(path, records.map(r => JSON.stringify(r)).join('\n') + '\n');
	if (mtime) utimesSync(path, mtime, mtime);
}

/** The shared Claude Code sessions in `<dir>/projects/p1`, plus (optionally) resumed and forked copies written later. */
function claudeConfig(dir: string, withCopies: boolean): void {
	const project = join(dir, 'projects', 'p1');
	mkdirSync(project, { recursive: true });
	const files = readdirSync(claudeFixtures).filter(f => f.endsWith('.jsonl'));
	const original = new Date('2026-03-01T00:00:00Z');
	const later = new Date('2026-03-02T00:00:00Z');
	files.forEach((f, i) => {
		const records = lines(join(claudeFixtures, f));
		writeLines(join(project, f), records, original);
		if (!withCopies) return;
		// Resumed: every earlier line copied under the new session's id. Forked: the first half.
		writeLines(
			join(project, `resumed-${i}.jsonl`),
			records.map(r => ('sessionId' in r ? { ...r, sessionId: `resumed-${i}` } : r)),
			later,
		);
		writeLines(
			join(project, `forked-${i}.jsonl`),
			records.slice(0, Math.ceil(records.length / 2)).map(r => ({ ...r, sessionId: `forked-${i}` })),
			later,
		);
	});
}

interface JsonReport {
	groups: { key: string; agent: string; sessions: number; calls: number; models: string[]; usage: Record<string, number>; computedCostUsd: number | null; approximate: boolean }[];
	totals: { sessions: number; calls: number; usage: Record<string, number>; computedCostUsd: number | null; placeholderCalls: number; outputAsRecorded: number };
	warnings: string[];
}

async function runSessions(args: string[], env: Record<string, string> = {}): Promise<{ code: number; report?: JsonReport; stdout: string; stderr: string }> {
	let stdout = '';
	let stderr = '';
	const code = await sessions.run({ values: parse(args), positionals: [] }, { stdout: t => (stdout += t), stderr: t => (stderr += t), readStdin: async () => '', cwd: tmp, env });
	return { code, stdout, stderr, ...(args.includes('--json') && { report: JSON.parse(stdout) as JsonReport }) };
}

function parse(args: string[]): Record<string, string | boolean | string[]> {
	const out: Record<string, string | boolean | string[]> = {};
	for (let i = 0; i < args.length; i++) {
		const name = args[i].slice(2);
		if (name === 'json' || name === 'recorded-output') out[name] = true;
		else if (name.endsWith('-dir')) out[name] = [...((out[name] as string[] | undefined) ?? []), args[++i]];
		else out[name] = args[++i];
	}
	return out;
}

describe('agent-cost sessions on real Claude Code sessions', () => {
	it("equals ccusage 20.0.24's totals on the shared sessions, resumed and forked copies included (input, cache read, cache write, recorded output)", async () => {
		// Pinned from the real binary (bench/ccusage):
		//   CLAUDE_CONFIG_DIR=<projects/p1 = the 5 shared sessions [+ resumed and forked copies]> \
		//     ccusage claude session --json --offline -m calculate
		// → totals {"inputTokens":932,"cacheReadTokens":416691,"cacheCreationTokens":71878,"outputTokens":1876,"totalCost":0.5903462}
		// with or without the copies (ccusage dedupes by message id + request id too). Its inputTokens
		// exclude the cache; ours is the whole prompt: 932 + 416,691 + 71,878.
		for (const withCopies of [false, true]) {
			const dir = join(tmp, withCopies ? 'copies' : 'plain');
			claudeConfig(dir, withCopies);
			const { code, report } = await runSessions(['--claude-dir', dir, '--json', '--tz', 'UTC', '--recorded-output']);
			assert.equal(code, 0);
			const t = report!.totals;
			assert.deepEqual(t.usage, { input: 932 + 416_691 + 71_878, cacheRead: 416_691, cacheWrite: 71_878, output: 1_876, reasoning: 0 }, `copies: ${withCopies}`);
			assert.equal(t.calls, 24);
			assert.equal(t.sessions, 4, 'the sidechain file is billed to its parent session; the copies add no session');
		}
	});

	it('each call once: resumed and forked copies add nothing, and the totals equal the per-file imports of the originals', async () => {
		claudeConfig(tmp, true);
		const { report } = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC']);
		const imported = readdirSync(claudeFixtures)
			.filter(f => f.endsWith('.jsonl'))
			.map(f => importTranscript(readFileSync(join(claudeFixtures, f), 'utf8'), { file: f, counter }));
		const calls = imported.flatMap(t => t.calls);
		const u = sumUsage(calls.map(c => c.usage));
		assert.equal(report!.totals.calls, calls.length);
		assert.deepEqual(
			report!.totals.usage,
			{ input: u.input, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite5m + u.cacheWrite1h, output: u.output, reasoning: 0 },
			'placeholder outputs corrected exactly as `report` does',
		);
		assert.equal(report!.totals.placeholderCalls, calls.filter(c => c.usageSource === 'placeholder-output').length);
		assert.equal(report!.totals.outputAsRecorded, 1_876);
		assert.ok(report!.totals.usage.output > report!.totals.outputAsRecorded);
		assert.deepEqual(report!.groups.map(g => g.key).sort(), [...new Set(imported.map(t => t.runId))].sort(), 'groups are the original sessions only');
	});

	it('a new call in a resumed session is counted, with the resumed session', async () => {
		claudeConfig(tmp, true);
		const extra = {
			parentUuid: null,
			sessionId: 'resumed-0',
			type: 'assistant',
			uuid: 'new-line',
			requestId: 'req_new',
			timestamp: '2026-03-02T09:00:00.000Z',
			message: {
				id: 'msg_new',
				model: 'claude-opus-4-6',
				content: [{ type: 'text', text: 'done' }],
				stop_reason: 'end_turn',
				usage: { input_tokens: 10, cache_read_input_tokens: 1000, output_tokens: 4 },
			},
		};
		writeFileSync(join(tmp, 'projects', 'p1', 'resumed-0.jsonl'), JSON.stringify(extra) + '\n', { flag: 'a' });
		const { report } = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC', '--recorded-output']);
		assert.equal(report!.totals.calls, 25);
		const resumed = report!.groups.find(g => g.key === 'resumed-0');
		assert.deepEqual([resumed?.calls, resumed?.usage.input, resumed?.usage.output], [1, 1010, 4]);
	});

	it('a file cut off mid-line and a damaged line are warnings; the complete lines count', async () => {
		claudeConfig(tmp, false);
		const file = join(tmp, 'projects', 'p1', 'spotter_tool_heavy.jsonl');
		// A line that is not needed (no usage) is skipped unread; a needed one that is damaged is reported.
		writeFileSync(file, readFileSync(file, 'utf8') + 'not json\n{"type":"assistant","message":{"usage": BROKEN}\n{"type":"assistant","message":{"id":"msg_cut","usage":{"input_to');
		const { code, report, stderr } = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC']);
		assert.equal(code, 0);
		assert.equal(report!.totals.calls, 24);
		assert.ok(report!.warnings.some(w => w.includes('spotter_tool_heavy.jsonl') && w.includes('1 damaged line')));
		assert.ok(report!.warnings.some(w => w.includes('still writing')));
		assert.match(stderr, /warning: .*still writing/);
	});

	it('groups by day, week, month and project in the time zone; --since/--until and --agent filter', async () => {
		claudeConfig(tmp, false);
		const day = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC', '--group', 'day', '--recorded-output']);
		// ccusage claude daily --json --offline -m calculate --timezone UTC on the same files: 2026-01-02 (860
		// uncached input), 2026-01-21 (3), 2026-02-10 (54), 2026-02-11 (15).
		assert.deepEqual(
			day.report!.groups.map(g => [g.key, g.usage.input - g.usage.cacheRead - g.usage.cacheWrite]),
			[
				['2026-01-02', 860],
				['2026-01-21', 3],
				['2026-02-10', 54],
				['2026-02-11', 15],
			],
		);
		const tokyo = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'Pacific/Kiritimati', '--group', 'day']);
		assert.notDeepEqual(
			tokyo.report!.groups.map(g => g.key),
			day.report!.groups.map(g => g.key),
			'UTC+14 moves late-evening calls to the next day',
		);
		const month = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC', '--group', 'month', '--since', '2026-02-01']);
		assert.deepEqual(
			month.report!.groups.map(g => [g.key, g.calls]),
			[['2026-02', 7]],
		);
		const week = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC', '--group', 'week', '--until', '2026-01-31']);
		assert.deepEqual(
			week.report!.groups.map(g => g.key),
			['2025-12-29', '2026-01-19'],
		);
		const project = await runSessions(['--claude-dir', tmp, '--json', '--group', 'project']);
		assert.equal(project.report!.groups.length, 4, 'the cwd each session recorded');
		const codexOnly = await runSessions(['--claude-dir', tmp, '--json', '--agent', 'codex']);
		assert.equal(codexOnly.report!.totals.calls, 0);
	});

	it('the JSON has the documented shape', async () => {
		claudeConfig(tmp, false);
		const { report } = await runSessions(['--claude-dir', tmp, '--json', '--tz', 'UTC', '--group', 'day']);
		const g = report!.groups[0];
		for (const k of ['key', 'agent', 'sessions', 'calls', 'models', 'usage', 'computedCostUsd', 'approximate']) assert.ok(k in g, k);
		assert.deepEqual(Object.keys(g.usage), ['input', 'cacheRead', 'cacheWrite', 'output', 'reasoning']);
		for (const k of ['sessions', 'calls', 'usage', 'computedCostUsd']) assert.ok(k in report!.totals, k);
		assert.equal(g.agent, 'claude');
		assert.equal(typeof g.computedCostUsd, 'number');
	});
});

describe('agent-cost sessions: other agents and bad input', () => {
	it('Codex: sessions/ and archived_sessions/ copies of a rollout, and a pi fork, count each call once', async () => {
		const codexHome = join(tmp, 'codex');
		const src = readFileSync(join(transcriptsDir(), 'codex_cli', 'agenthistory_codex_0.135_session-01.jsonl'), 'utf8');
		mkdirSync(join(codexHome, 'sessions', '2026', '06', '05'), { recursive: true });
		mkdirSync(join(codexHome, 'archived_sessions'), { recursive: true });
		const name = 'rollout-2026-06-05T04-58-20-019e9625-802f-7e91-840a-cfe88d14117a.jsonl';
		writeFileSync(join(codexHome, 'sessions', '2026', '06', '05', name), src);
		writeFileSync(join(codexHome, 'archived_sessions', name), src);
		const piDir = join(tmp, 'pi', 'sessions', '--tmp-work--');
		mkdirSync(piDir, { recursive: true });
		const pi = readFileSync(join(transcriptsDir(), 'pi', 'pimono_large-session.jsonl'), 'utf8').split('\n');
		writeFileSync(join(piDir, '2025-11-20_a.jsonl'), pi.join('\n'));
		writeFileSync(join(piDir, '2025-11-21_b.jsonl'), [JSON.stringify({ type: 'session', id: 'fork', timestamp: '2025-11-21T00:00:00Z', cwd: '/w' }), ...pi.slice(1, 400)].join('\n'));
		const { report } = await runSessions(['--json', '--tz', 'UTC', '--group', 'session'], { CODEX_HOME: codexHome, PI_CODING_AGENT_DIR: join(tmp, 'pi') });
		const codex = report!.groups.filter(g => g.agent === 'codex');
		assert.deepEqual(
			codex.map(g => [g.key, g.calls, g.usage.input, g.usage.cacheRead, g.usage.output]),
			[['019e9625-802f-7e91-840a-cfe88d14117a', 1, 22_539, 20_864, 10]],
		);
		const pis = report!.groups.filter(g => g.agent === 'pi');
		assert.deepEqual(
			pis.map(g => [g.key, g.calls]),
			[['d703a1a9-1b7b-4fb1-b512-c9738b1fe617', 439]],
			'the fork copies earlier messages verbatim: counted with the original session',
		);
	});

	it('bad arguments exit 2 with the reason; a folder flag that does not exist is named', async () => {
		for (const [argv, why] of [
			[['sessions', '--group', 'year'], /--group must be one of session, day, week, month, project/],
			[['sessions', '--agent', 'cursor'], /--agent must be one of claude, codex, gemini, pi or all/],
			[['sessions', '--since', '2026-02-30'], /--since must be a date YYYY-MM-DD/],
			[['sessions', '--since', '2026-03-02', '--until', '2026-03-01'], /is after --until/],
			[['sessions', '--tz', 'Mars/Base'], /--tz: unknown time zone "Mars\/Base"/],
			[['sessions', '--claude-dir', 'no/such/dir'], /--claude-dir: no such folder: no\/such\/dir/],
			[['sessions', 'extra'], /unexpected argument "extra"/],
		] as const) {
			const r = await runCliCaptured([...argv], tmp, [sessions]);
			assert.equal(r.code, 2, argv.join(' '));
			assert.match(r.stderr, why);
		}
	});

	it('no agent folder at all: an empty report and a warning that says where it looked', async () => {
		const { code, report } = await runSessions(['--json'], { HOME: join(tmp, 'nobody') });
		assert.equal(code, 0);
		assert.equal(report!.totals.calls, 0);
		assert.equal(report!.totals.computedCostUsd, 0, 'no calls cost $0: there is nothing without a price');
		assert.match(report!.warnings.join('\n'), /no agent session folders found \(looked in Claude Code: .*nobody\/\.config\/claude, .*nobody\/\.claude; Codex CLI: .*nobody\/\.codex/);
	});

	it('a file deleted between listing and reading is a warning, not a crash', async () => {
		const ledger = new CallLedger();
		const scanned = await scanSessionFile({ agent: 'claude', path: join(tmp, 'gone.jsonl'), root: tmp, size: 10, mtimeMs: 0, hints: {} }, ledger);
		assert.deepEqual(scanned.warnings, ['cannot read: the file is gone (deleted while scanning)']);
	});
});

describe('agent folders and the line reader', () => {
	it('finds the folders the agents use: defaults under HOME, their environment variables, comma lists, settings, flags', () => {
		const home = join(tmp, 'home');
		for (const d of [
			'.claude/projects',
			'.config/claude/projects',
			'.codex/sessions',
			'.codex/archived_sessions',
			'.gemini/tmp',
			'.pi/agent/sessions',
			'alt1/projects',
			'alt2',
			'gh/.gemini/tmp',
			'pihome/sessions',
			'extra',
		])
			mkdirSync(join(home, d), { recursive: true });
		const rel = (roots: ReturnType<typeof agentRoots>) => roots.map(r => `${r.agent}:${r.dir.slice(home.length + 1)}:${r.source}`);
		assert.deepEqual(rel(agentRoots({ env: { HOME: home } })), [
			'claude:.config/claude/projects:default',
			'claude:.claude/projects:default',
			'codex:.codex/sessions:default',
			'codex:.codex/archived_sessions:default',
			'gemini:.gemini/tmp:default',
			'pi:.pi/agent/sessions:default',
		]);
		assert.deepEqual(
			rel(
				agentRoots({ env: { HOME: home, CLAUDE_CONFIG_DIR: `${home}/alt1, ~/alt2`, GEMINI_CLI_HOME: `${home}/gh`, PI_CODING_AGENT_DIR: `${home}/pihome` }, extra: { claude: [join(home, 'extra')] } }),
			),
			[
				'claude:alt1/projects:env',
				'claude:alt2:env',
				'claude:extra:setting',
				'codex:.codex/sessions:default',
				'codex:.codex/archived_sessions:default',
				'gemini:gh/.gemini/tmp:env',
				'pi:pihome/sessions:env',
			],
		);
		assert.deepEqual(rel(agentRoots({ env: { HOME: home }, only: { codex: [join(home, 'extra')] }, includeDefaults: false })), ['codex:extra:flag']);
	});

	it('hands over exactly the needed lines whatever the chunk size, CRLF and a last line without newline included', async () => {
		const file = join(tmp, 's.jsonl');
		const body = ['{"type":"user","x":"\\"usage\\": no"}', '{"a":1,"usage":{"n":1}}', '{"type":"user","usage":{}}', 'é'.repeat(3000) + '"usage":2', '{"b":"usage"}', '{"last":true,"usage":3}'].join(
			'\r\n',
		);
		writeFileSync(file, body);
		const scanner = (seen: string[]): UsageScanner => ({
			needles: ['"usage":'],
			skipHeads: ['"type":"user"'],
			wantsFirstLine: false,
			line: (t, terminated) => void seen.push(`${terminated ? '' : '(partial) '}${t.slice(0, 12)}`),
			finish: () => ({ duplicateLines: 0, warnings: [] }),
		});
		let reference: string[] | undefined;
		for (const chunkBytes of [7, 64, 1000, 1 << 20]) {
			const seen: string[] = [];
			const r = await readNeededLines(file, scanner(seen), { chunkBytes });
			assert.equal(r.endOffset, Buffer.byteLength(body.slice(0, body.lastIndexOf('\n') + 1)));
			reference ??= seen;
			assert.deepEqual(seen, reference, `chunk ${chunkBytes}`);
		}
		assert.deepEqual(reference, ['{"a":1,"usag', 'éééééééééééé', '(partial) {"last":true']);
		const tail: string[] = [];
		await readNeededLines(file, scanner(tail), { from: Buffer.byteLength(body.slice(0, body.indexOf('{"b"'))), includePartialLast: false });
		assert.deepEqual(tail, [], 'a tail does not hand over the unfinished last line');
	});
});
