import * as assert from 'node:assert/strict';
import type { AgentSessionSummary, SessionsSnapshot } from '../../../src/core/jobs/sessionJobs';
import { costText, periodOf, projectLabel, retentionText, sessionDescription, sessionLabel, sessionStatusView } from '../../../src/extension/sessions/sessionText';

const session: AgentSessionSummary = {
	agent: 'claude',
	sessionId: 'abc',
	project: '/home/me/my-app',
	firstAt: '2026-06-10T08:00:00.000Z',
	lastAt: '2026-06-10T09:30:00.000Z',
	lastDay: '2026-06-10',
	calls: 14,
	sidechainCalls: 2,
	models: ['claude-opus-4-6'],
	usage: { input: 1_150_000, cacheRead: 1_000_000, cacheWrite: 100_000, output: 50_000, reasoning: 0 },
	costUsd: 0.4234,
	unpricedCalls: 0,
	approximate: false,
	placeholderCalls: 0,
	file: '/x/abc.jsonl',
	files: ['/x/abc.jsonl'],
};
const snapshot = {
	today: '2026-06-10',
	timeZone: 'Europe/Berlin',
	totals: {
		today: { sessions: 2, calls: 20, costUsd: 1.5, approximate: true },
		week: { sessions: 3, calls: 30, costUsd: 2, approximate: true },
		month: { sessions: 9, calls: 90, costUsd: 12.34, approximate: true },
	},
} as unknown as SessionsSnapshot;

describe('agent sessions: texts', () => {
	it('costs say when they are estimates, partial or unknown — never a silent $0', () => {
		assert.equal(costText(0.4234, false), '$0.423');
		assert.equal(costText(0.4234, true), '≈$0.423');
		assert.equal(costText(0.4234, false, 2), '$0.423+');
		assert.equal(costText(null, false), 'no price');
	});

	it('a session reads as agent + local time, cost · tokens · calls; it falls in today / this week / earlier', () => {
		assert.equal(sessionLabel(session, snapshot), 'Claude Code 11:30', 'Berlin is UTC+2 in June');
		assert.equal(sessionLabel({ ...session, lastDay: '2026-06-09' }, snapshot), 'Claude Code 2026-06-09');
		assert.equal(sessionDescription(session), '$0.423 · 1.2M tok · 14 calls');
		assert.equal(periodOf(session, '2026-06-10'), 'today');
		assert.equal(periodOf({ ...session, lastDay: '2026-06-08' }, '2026-06-10'), 'week', 'Monday the 8th');
		assert.equal(periodOf({ ...session, lastDay: '2026-06-07' }, '2026-06-10'), 'earlier', 'Sunday before');
		assert.equal(periodOf({ ...session, lastDay: undefined }, '2026-06-10'), 'earlier');
		assert.equal(projectLabel('/home/me/my-app'), 'my-app');
		assert.equal(projectLabel(undefined), '(unknown folder)');
	});

	it('the retention notice names the number, the deadline and the setting', () => {
		assert.equal(
			retentionText({ agent: 'claude', cleanupPeriodDays: 30, files: 3, soonestInDays: 2 }),
			'Claude Code will delete 3 session logs within 2 days (cleanupPeriodDays = 30, its default). Archive them to keep their history and costs.',
		);
		assert.match(
			retentionText({ agent: 'claude', cleanupPeriodDays: 10, settingsFile: '/h/.claude/settings.json', files: 1, soonestInDays: 0 }),
			/1 session log the next time it starts \(cleanupPeriodDays = 10\)/,
		);
	});

	it('the status item: the running session of this workspace, else today over all agents, hidden before the first scan', () => {
		assert.deepEqual(sessionStatusView({ kind: 'none' }, undefined), { visible: false, text: '', tooltip: '' });
		const idle = sessionStatusView({ kind: 'none' }, snapshot);
		assert.equal(idle.text, '$(hubot) Agents today ≈$1.50');
		assert.match(idle.tooltip, /this month: ≈\$12\.34 · 9 sessions/);
		const live = sessionStatusView(
			{
				kind: 'session',
				running: true,
				updatedAt: 0,
				tail: {
					file: { agent: 'codex', path: '/r.jsonl' },
					calls: 3,
					usage: { input: 12_000, cacheRead: 8000, cacheWrite: 0, output: 345, reasoning: 12 },
					costUsd: 0.0074,
					approximate: false,
					placeholderCalls: 0,
					models: ['gpt-5'],
					offset: 10,
					readBytes: 10,
					modifiedMs: 0,
				},
			},
			snapshot,
		);
		assert.equal(live.text, '$(hubot) Codex CLI $0.007 · 12k tok');
		assert.match(live.tooltip, /Codex CLI session running in this workspace/);
		assert.match(live.tooltip, /3 calls · \$0\.007 · gpt-5/);
	});
});
