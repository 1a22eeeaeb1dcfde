import * as assert from 'node:assert/strict';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { zeroUsage, type Usage } from '../../../../src/core/pricing/usage';
import { CallLedger } from '../../../../src/core/sessions/callLedger';
import { ClaudeUsageScanner } from '../../../../src/core/sessions/claudeUsageScanner';
import { CodexUsageScanner } from '../../../../src/core/sessions/codexUsageScanner';
import { GeminiUsageScanner } from '../../../../src/core/sessions/geminiUsageScanner';
import { groupCalls, priceCalls } from '../../../../src/core/sessions/sessionReport';
import { isCalendarDate, TimeBuckets } from '../../../../src/core/sessions/timeBuckets';
import type { UsageRecord } from '../../../../src/core/sessions/usageRecord';

const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });

function record(over: Partial<UsageRecord> & Pick<UsageRecord, 'key'>): UsageRecord {
	return {
		agent: 'claude',
		sessionId: 's1',
		model: 'claude-opus-4-6',
		provider: 'anthropic',
		at: '2026-06-01T10:00:00.000Z',
		usage: { ...zeroUsage, input: 100, cacheRead: 60, output: 2 },
		final: false,
		...over,
	};
}

function usage(input: number, cacheRead: number, output: number): Usage {
	return { ...zeroUsage, input, cacheRead, output };
}

/** Feeds lines (JSON values) to a scanner and returns the records it emitted and its summary. */
function scan(make: (emit: (r: UsageRecord) => void, ledger: CallLedger) => { line(t: string, terminated: boolean): void; finish(): unknown }, lines: unknown[], ledger = new CallLedger()) {
	const records: UsageRecord[] = [];
	const s = make(r => {
		records.push(r);
		ledger.add(r);
	}, ledger);
	for (const l of lines) s.line(typeof l === 'string' ? l : JSON.stringify(l), true);
	return { records, summary: s.finish(), ledger };
}

describe('sessions: one call counted once', () => {
	it('copies of a call merge: the largest output wins, a stop_reason in any copy makes it final, the first session keeps it', () => {
		const ledger = new CallLedger();
		ledger.add(record({ key: 'm1', lineId: 'a', text: 'hello' }));
		ledger.add(record({ key: 'm1', lineId: 'b', text: 'world', usage: usage(100, 60, 5), sessionId: 'resumed' }));
		ledger.add(record({ key: 'm1', lineId: 'a', text: 'hello', sessionId: 'resumed' }));
		assert.equal(ledger.size, 1);
		const counts: string[] = [];
		const correction = ledger.correctPlaceholders((model, text) => {
			counts.push(text);
			return text.length;
		});
		const [call] = [...ledger.calls()];
		assert.equal(call.sessionId, 's1');
		assert.equal(call.placeholder, true);
		assert.deepEqual(counts.sort(), ['hello', 'world'], 'each distinct line counted once');
		assert.equal(call.usage.output, 10, 'max(recorded 5, counted 5 + 5)');
		assert.equal(call.recordedOutput, 5);
		assert.deepEqual(correction, { calls: 1, recordedOutput: 5, correctedOutput: 10 });

		ledger.add(record({ key: 'm1', lineId: 'c', final: true, usage: usage(100, 60, 7) }));
		ledger.correctPlaceholders(() => 1000);
		const [final] = [...ledger.calls()];
		assert.equal(final.placeholder, false);
		assert.equal(final.usage.output, 7, 'a final count is never replaced by a count of the text');
	});

	it('Claude Code lines already counted from another file are recognized before parsing', () => {
		const line = {
			parentUuid: null,
			sessionId: 'orig',
			cwd: '/w',
			message: {
				model: 'claude-opus-4-6',
				id: 'msg_1',
				type: 'message',
				role: 'assistant',
				content: [{ type: 'text', text: 'Hi there' }],
				stop_reason: null,
				usage: { input_tokens: 3, cache_read_input_tokens: 50, output_tokens: 1 },
			},
			requestId: 'req_1',
			type: 'assistant',
			uuid: 'u1',
			timestamp: '2026-06-01T10:00:00.000Z',
		};
		const first = scan((emit, ledger) => new ClaudeUsageScanner({}, emit, ledger), [line]);
		assert.equal(first.records.length, 1);
		// The resumed copy: same line under a new session id.
		const copy = scan((emit, ledger) => new ClaudeUsageScanner({}, emit, ledger), [{ ...line, sessionId: 'resumed' }, '{"type":"user","message":{"content":"more"}}'], first.ledger);
		assert.equal(copy.records.length, 0);
		assert.deepEqual(copy.summary, { duplicateLines: 1, warnings: [] });
		assert.equal(first.ledger.size, 1);
	});

	it('Codex: a repeated token_count, a replayed parent history and an archived copy count once', () => {
		const meta = (id: string, parent?: string) => ({
			timestamp: '2026-06-01T10:00:00.000Z',
			type: 'session_meta',
			payload: { id, cwd: '/repo', ...(parent && { source: { subagent: { thread_spawn: { parent_thread_id: parent } } } }) },
		});
		const turn = { timestamp: '2026-06-01T10:00:01.000Z', type: 'turn_context', payload: { model: 'gpt-5' } };
		const tc = (ts: string, total: number[], last?: number[]) => ({
			timestamp: ts,
			type: 'event_msg',
			payload: {
				type: 'token_count',
				info: {
					total_token_usage: { input_tokens: total[0], cached_input_tokens: total[1], output_tokens: total[2], reasoning_output_tokens: 0, total_tokens: total[0] + total[2] },
					...(last && { last_token_usage: { input_tokens: last[0], cached_input_tokens: last[1], output_tokens: last[2], reasoning_output_tokens: 0, total_tokens: last[0] + last[2] } }),
				},
			},
		});
		const parent = [
			meta('p'),
			turn,
			tc('2026-06-01T10:01:00.000Z', [1000, 800, 50], [1000, 800, 50]),
			tc('2026-06-01T10:01:00.100Z', [1000, 800, 50], [1000, 800, 50]),
			tc('2026-06-01T10:02:00.000Z', [2500, 1800, 90]),
		];
		const ledger = new CallLedger();
		const p = scan((emit, _l) => new CodexUsageScanner({}, emit), parent, ledger);
		assert.deepEqual(
			p.records.map(r => [r.usage.input, r.usage.cacheRead, r.usage.output]),
			[
				[1000, 800, 50],
				[1500, 1000, 40],
			],
			'the repeat is dropped; an event without last usage is the difference of the totals',
		);
		assert.ok(p.records.every(r => r.sessionId === 'p' && r.model === 'gpt-5' && r.project === '/repo'));
		// The archived copy of the same file adds nothing.
		scan((emit, _l) => new CodexUsageScanner({}, emit), parent, ledger);
		assert.equal(ledger.size, 2);
		// A subagent: its first events replay the parent's history within one second, then its own call.
		const sub = [
			meta('child', 'p'),
			meta('p'),
			turn,
			tc('2026-06-01T10:03:00.001Z', [1000, 800, 50], [1000, 800, 50]),
			tc('2026-06-01T10:03:00.002Z', [2500, 1800, 90], [1500, 1000, 40]),
			tc('2026-06-01T10:04:00.000Z', [2900, 2100, 100], [400, 300, 10]),
		];
		const s = scan((emit, _l) => new CodexUsageScanner({}, emit), sub, ledger);
		assert.deepEqual(
			s.records.map(r => [r.usage.input, r.sidechain, r.sessionId]),
			[[400, true, 'p']],
			"only the subagent's own call, billed to the parent session",
		);
	});

	it('Gemini CLI: a message re-appended with its tokens, and the migrated .jsonl copy of a .json recording, are one call', () => {
		const ledger = new CallLedger();
		const metaLine = { sessionId: 'g1', projectHash: 'h', startTime: '2026-06-01T10:00:00.000Z', lastUpdated: '2026-06-01T10:00:00.000Z' };
		const msg = { id: 'm1', timestamp: '2026-06-01T10:00:05.000Z', type: 'gemini', content: 'Hi', model: 'gemini-2.5-pro' };
		const lines = [
			metaLine,
			{ id: 'u1', timestamp: '2026-06-01T10:00:01.000Z', type: 'user', content: 'hello' },
			msg,
			{ ...msg, tokens: { input: 1000, output: 20, cached: 400, thoughts: 30, tool: 5, total: 1055 } },
			{ $rewindTo: 'u1' },
		];
		const j = scan((emit, _l) => new GeminiUsageScanner({ project: 'proj' }, emit), lines, ledger);
		assert.equal(j.records.length, 1);
		assert.deepEqual(j.records[0].usage, { input: 1005, cacheRead: 400, cacheWrite5m: 0, cacheWrite1h: 0, output: 50, reasoning: 30 });
		assert.equal(j.records[0].sessionId, 'g1');
		const legacy = { ...metaLine, messages: [lines[1], lines[3]] };
		const doc = new GeminiUsageScanner({ project: 'proj' }, r => ledger.add(r));
		doc.wholeFile(JSON.stringify(legacy, null, 2));
		doc.finish();
		assert.equal(ledger.size, 1);
		// A subagent recording (chats/<parent>/<id>.jsonl) is billed to its parent.
		const sub = scan(
			(emit, _l) => new GeminiUsageScanner({ parentSessionId: 'g1', sessionId: 'sub' }, emit),
			[
				{ ...metaLine, sessionId: 'sub', kind: 'subagent' },
				{ ...msg, id: 'm9', tokens: { input: 10, output: 1, cached: 0, total: 11 } },
			],
			ledger,
		);
		assert.equal(sub.records[0].sessionId, 'g1');
		assert.equal(sub.records[0].sidechain, true);
	});

	it('a damaged line and a last line being written become warnings; the complete lines still count', () => {
		const good = {
			message: { id: 'msg_a', model: 'claude-opus-4-6', content: [], stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 7 } },
			requestId: 'r',
			type: 'assistant',
			uuid: 'u',
			sessionId: 's',
			timestamp: '2026-06-01T10:00:00Z',
		};
		const ledger = new CallLedger();
		const s = new ClaudeUsageScanner({}, r => ledger.add(r), ledger);
		s.line(JSON.stringify(good), true);
		s.line('{"type":"assistant","message":{"usage":', true);
		s.line('{"type":"assistant","message":{"id":"msg_b","usage":{"input_tok', false);
		const summary = s.finish();
		assert.equal(ledger.size, 1);
		assert.deepEqual(summary.warnings, ['1 damaged line(s) skipped', 'the last line is incomplete (the agent is probably still writing the file); the complete lines are counted']);
	});
});

describe('sessions: grouping in a time zone', () => {
	it('days, ISO weeks and months follow the time zone; invalid zones and dates are rejected', () => {
		const berlin = new TimeBuckets('Europe/Berlin');
		assert.equal(berlin.day('2026-06-05T21:30:00.000Z'), '2026-06-05');
		assert.equal(berlin.day('2026-06-05T22:30:00.000Z'), '2026-06-06', 'after midnight in Berlin (UTC+2)');
		assert.equal(new TimeBuckets('America/Los_Angeles').day('2026-06-05T05:00:00Z'), '2026-06-04');
		assert.equal(new TimeBuckets('Asia/Kolkata').day('2026-06-05T18:29:00Z'), '2026-06-05');
		assert.equal(new TimeBuckets('Asia/Kolkata').day('2026-06-05T18:31:00Z'), '2026-06-06', 'half-hour offset');
		assert.equal(TimeBuckets.weekOf('2026-06-07'), '2026-06-01', 'Sunday belongs to the week of Monday the 1st');
		assert.equal(TimeBuckets.weekOf('2026-06-01'), '2026-06-01');
		assert.equal(TimeBuckets.monthOf('2026-06-07'), '2026-06');
		assert.equal(berlin.day('not a time'), undefined);
		assert.throws(() => new TimeBuckets('Mars/Olympus'), /unknown time zone/);
		assert.ok(isCalendarDate('2026-02-28'));
		assert.ok(!isCalendarDate('2026-02-30'));
		assert.ok(!isCalendarDate('2026-6-1'));
	});

	it('groups per key and agent, filters by local date and agent, and never prices an unknown model at $0', () => {
		const ledger = new CallLedger();
		ledger.add(record({ key: 'a', final: true, at: '2026-06-01T23:30:00.000Z' }));
		ledger.add(record({ key: 'b', final: true, at: '2026-06-02T08:00:00.000Z', sessionId: 's2' }));
		ledger.add({ ...record({ key: 'c', final: true, at: '2026-06-02T09:00:00.000Z' }), agent: 'codex', model: 'no-such-model-xyz', provider: 'openai', sessionId: 'x' });
		const priced = priceCalls(ledger.calls(), catalog, new TimeBuckets('Europe/Berlin'));
		const byDay = groupCalls(priced, { group: 'day' });
		assert.deepEqual(
			byDay.groups.map(g => [g.key, g.agent, g.calls, g.sessions]),
			[
				['2026-06-02', 'claude', 2, 2],
				['2026-06-02', 'codex', 1, 1],
			],
			'23:30 UTC is the 2nd in Berlin',
		);
		const codex = byDay.groups[1];
		assert.equal(codex.computedCostUsd, null);
		assert.equal(codex.unpricedCalls, 1);
		assert.equal(codex.approximate, true);
		assert.equal(byDay.totals.unpricedCalls, 1);
		assert.ok(byDay.totals.computedCostUsd !== null && byDay.totals.computedCostUsd > 0);
		assert.equal(byDay.totals.usage.input, 300);
		const onlyClaude = groupCalls(priced, { group: 'session', agents: new Set(['claude']), since: '2026-06-02', until: '2026-06-02' });
		assert.deepEqual(
			onlyClaude.groups.map(g => [g.key, g.firstAt]),
			[
				['s1', '2026-06-01T23:30:00.000Z'],
				['s2', '2026-06-02T08:00:00.000Z'],
			],
		);
		assert.equal(groupCalls(priced, { group: 'day', until: '2026-06-01' }).totals.calls, 0);
	});
});
