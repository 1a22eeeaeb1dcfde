import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { sumUsage } from '../../../../src/core/pricing/usage';
import { groupCalls } from '../../../../src/core/sessions/sessionReport';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { agentRoots } from '../../../../src/node/sessions/agentDirs';
import { collectAgentSessions } from '../../../../src/node/sessions/agentSessions';
import { listSessionFiles } from '../../../../src/node/sessions/sessionFiles';
import { readTranscriptFile } from '../../../../src/node/transcriptFiles';
import { repoRoot } from '../../../support/paths';

/**
 * The session files the real CLIs wrote (test/fixtures/agent-sessions, see its README): the usage
 * below is what the generator scripted the fake provider to report; Claude Code's own costs come
 * from its JSON results (expected.json).
 */
const fixtures = join(repoRoot(), 'test', 'fixtures', 'agent-sessions');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
	agents: { claude: { version: string; runs: { sessionId: string; totalCostUsd: number }[] }; codex: { version: string }; gemini: { version: string } };
};
const counter = { countText, countChat };
const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });

let tmp: string;
before(() => {
	// A copy whose modification times follow the CLIs' order (a git checkout does not keep them):
	// the original session before its fork, so copied calls stay with the session that made them.
	tmp = mkdtempSync(join(tmpdir(), 'generated-sessions-'));
	cpSync(fixtures, tmp, { recursive: true });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(only: { claude?: string[]; codex?: string[]; gemini?: string[] }) {
	const roots = agentRoots({ env: {}, only, includeDefaults: false });
	const listed = await listSessionFiles(roots);
	const [first, , forked] = expected.agents.claude.runs;
	for (const f of listed.files) {
		const order = [first.sessionId, forked.sessionId].indexOf(f.path.split('/').pop()!.replace('.jsonl', ''));
		if (order >= 0) utimesSync(f.path, new Date(Date.UTC(2026, 0, 1, 0, order)), new Date(Date.UTC(2026, 0, 1, 0, order)));
	}
	return collectAgentSessions({ roots, catalog, timeZone: 'UTC' });
}

describe('sessions written by the real CLIs (Claude Code, Codex, Gemini CLI)', () => {
	it('Claude Code 2.1.328: each call once across the resumed, forked and subagent files; costs equal the CLI’s own', async () => {
		assert.equal(expected.agents.claude.version, '2.1.328 (Claude Code)');
		const c = await collect({ claude: [join(tmp, 'claude')] });
		const report = groupCalls(c.priced, { group: 'session' });
		const [first, resumed, forked, sub] = expected.agents.claude.runs;
		assert.equal(first.sessionId, resumed.sessionId, 'a resume appends to the same session');
		const cost = (id: string) => report.groups.find(g => g.key === id)?.computedCostUsd;
		const close = (a: number | null | undefined, b: number) => assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
		// total_cost_usd is cumulative for a session, copied calls included.
		close(cost(first.sessionId), resumed.totalCostUsd);
		close(cost(forked.sessionId), forked.totalCostUsd - resumed.totalCostUsd);
		close(cost(sub.sessionId), sub.totalCostUsd);
		close(report.totals.computedCostUsd, forked.totalCostUsd + sub.totalCostUsd);
		assert.deepEqual(
			report.groups.map(g => [g.key, g.calls, g.sidechainCalls]),
			[
				[first.sessionId, 3, 0],
				[forked.sessionId, 1, 0],
				[sub.sessionId, 4, 1],
			],
			'the subagent call is billed to its parent session',
		);
		assert.equal(report.totals.placeholderCalls, 0, 'this version records the final output count (a stop_reason on every response)');
		assert.deepEqual(
			c.files.flatMap(f => f.warnings),
			[],
		);
	});

	it('Codex CLI 0.169.0: three calls (a resume appends to the rollout), usage as the provider reported it', async () => {
		assert.equal(expected.agents.codex.version, 'codex-cli 0.169.0');
		const c = await collect({ codex: [join(tmp, 'codex')] });
		assert.deepEqual(
			c.priced.map(p => [p.call.usage.input, p.call.usage.cacheRead, p.call.usage.output, p.call.usage.reasoning, p.call.model]),
			[
				[4200, 0, 30, 12, 'gpt-5'],
				[4400, 4096, 9, 0, 'gpt-5'],
				[4600, 4352, 7, 0, 'gpt-5'],
			],
		);
		assert.equal(new Set(c.priced.map(p => p.call.sessionId)).size, 1);
	});

	it('Gemini CLI 0.61.0: two calls, thoughts billed as output, the project folder from .project_root', async () => {
		assert.equal(expected.agents.gemini.version, '0.61.0');
		const c = await collect({ gemini: [join(tmp, 'gemini')] });
		assert.deepEqual(
			c.priced.map(p => [p.call.usage.input, p.call.usage.cacheRead, p.call.usage.output, p.call.usage.reasoning]),
			[
				[3100, 0, 25, 15],
				[3300, 2048, 14, 6],
			],
		);
		assert.match(c.priced[0].call.project ?? '', /^\/tmp\/gen-gemini-.*\/work$/);
	});

	it('every generated file imports for the report and replay (format detected, calls as above)', async () => {
		const roots = agentRoots({ env: {}, only: { claude: [join(fixtures, 'claude')], codex: [join(fixtures, 'codex')], gemini: [join(fixtures, 'gemini')] }, includeDefaults: false });
		const listed = await listSessionFiles(roots);
		const formats: Record<string, number> = {};
		for (const f of listed.files) {
			assert.ok(statSync(f.path).size > 0);
			const t = await readTranscriptFile(f.path, { counter });
			formats[t.format] = (formats[t.format] ?? 0) + t.calls.length;
			assert.ok(
				t.calls.every(c => c.usageSource === 'recorded' && c.output !== undefined),
				f.path,
			);
			assert.deepEqual(
				t.warnings.map(w => w.code),
				[],
				f.path,
			);
		}
		// Claude: 3 (original) + 4 (fork, copies included) + 3 (subagent session's main file) + 1 (its subagent file).
		assert.deepEqual(formats, { 'claude-code': 11, 'codex-rollout': 3, 'gemini-cli': 2 });
		const codex = listed.files.find(f => f.agent === 'codex')!;
		const t = await readTranscriptFile(codex.path, { counter });
		assert.deepEqual(sumUsage(t.calls.map(x => x.usage)).input, 4200 + 4400 + 4600);
		assert.ok(
			t.calls[0].output!.toolCalls.some(x => x.name === 'exec_command'),
			'the tool call is the first call’s output',
		);
	});
});
