import * as assert from 'node:assert/strict';
import { budgetEventLines, budgetEventsOf } from '../../../../src/core/live/budgetEvents';
import type { LiveCallRecord } from '../../../../src/core/live/liveCallRecord';
import { toRecordingLines } from '../../../../src/core/live/recordingLines';
import { buildSpendReport, ledgerDaySpend, liveRecordingFileName, maxSpendRows } from '../../../../src/core/live/spendReport';

const usage = (input: number, output: number) => ({ input, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 });

function record(over: Partial<LiveCallRecord>): LiveCallRecord {
	return {
		kind: 'liveCall',
		v: 1,
		id: 'id',
		runId: 'run-1',
		startedAt: '2025-03-04T10:00:00.000Z',
		endedAt: '2025-03-04T10:00:01.000Z',
		status: 'ok',
		provider: 'openai',
		model: 'gpt-4o-mini',
		routedModel: 'gpt-4o-mini',
		messages: [{ role: 'user', content: 'hi' }],
		params: { maxOutputTokens: 100, temperature: 0 },
		response: { text: 'hello', toolCalls: [], finishReason: 'stop' },
		usage: usage(100, 10),
		usageSource: 'provider',
		costUsd: 0.001,
		costEstimated: false,
		latencyMs: 1000,
		attempts: [],
		explanation: [],
		...over,
	};
}

describe('spend report (the Spend view) from recordings and the ledger', () => {
	it("groups today's calls by model with cost, cache hits and failures; budget events are listed", () => {
		const downgrade = [
			{ stage: 'budget', rule: 'budget.refused.run', text: 'A call to gpt-4o could cost up to $0.02, but the run budget has $0.01 left' },
			{ stage: 'budget', rule: 'budget.downgraded', text: 'soft budget: downgraded gpt-4o → gpt-4o-mini; reserved up to $0.0010' },
			{ stage: 'budget', rule: 'budget.threshold', text: 'daily budget 85% used (incl. reservations)' },
		];
		const text = [
			toRecordingLines(record({ costUsd: 0.002 })),
			toRecordingLines(record({ startedAt: '2025-03-04T11:00:00.000Z', status: 'cacheHit', cache: 'exact', usage: undefined, costUsd: undefined, usageSource: undefined })),
			toRecordingLines(record({ startedAt: '2025-03-04T12:00:00.000Z', model: 'gpt-4o', routedModel: 'gpt-4o', costUsd: 0.01, usage: usage(1000, 50), usageSource: 'estimated' })),
			toRecordingLines(
				record({ startedAt: '2025-03-04T13:00:00.000Z', status: 'auth', usage: undefined, costUsd: undefined, response: undefined, error: { kind: 'routing', reason: 'auth', message: 'rejected' } }),
			),
			toRecordingLines(record({ startedAt: '2025-03-04T14:00:00.000Z', status: 'refused', error: { kind: 'budget', reason: 'daily', message: 'A call to gpt-4o could cost up to $1, but …' } })),
			budgetEventLines(record({ startedAt: '2025-03-04T15:00:00.000Z', explanation: downgrade })),
			toRecordingLines(record({ startedAt: '2025-03-03T23:59:59.000Z', costUsd: 5 })), // yesterday (UTC)
			'{"v":1,"type":"call","at":"2025-03-04T16', // a torn last line
		].join('');
		const r = buildSpendReport({ day: '2025-03-04', timeZone: 'UTC', recordingText: text, recordingFile: '/x/live-2025-03-04.agent-cost.jsonl' });
		assert.equal(r.totalCalls, 4);
		assert.equal(r.skippedLines, 1);
		assert.deepEqual(
			r.byModel.map(m => [m.model, m.calls, m.cacheHits, m.errors, Number(m.costUsd.toFixed(6)), m.estimated]),
			[
				['gpt-4o', 1, 0, 0, 0.01, true],
				['gpt-4o-mini', 3, 1, 1, 0.002, false],
			],
		);
		assert.ok(Math.abs(r.recordedUsd - 0.012) < 1e-12);
		assert.deepEqual(
			r.calls.map(c => [c.at.slice(11, 16), c.status, c.servedFrom ?? '', c.error ?? '']),
			[
				['13:00', 'error', '', 'auth'],
				['12:00', 'ok', '', ''],
				['11:00', 'ok', 'exactCache', ''],
				['10:00', 'ok', '', ''],
			],
		);
		assert.deepEqual(
			r.events.map(e => e.kind),
			['downgrade', 'warning', 'refused'],
		);
		assert.match(r.events[0].message, /downgraded gpt-4o → gpt-4o-mini.*because: A call to gpt-4o could cost/);
	});

	it('the budget day follows the configured time zone', () => {
		const text = toRecordingLines(record({ startedAt: '2025-03-04T23:30:00.000Z' }));
		assert.equal(buildSpendReport({ day: '2025-03-04', timeZone: 'UTC', recordingText: text }).totalCalls, 1);
		assert.equal(buildSpendReport({ day: '2025-03-05', timeZone: 'Europe/Berlin', recordingText: text }).totalCalls, 1);
		assert.equal(buildSpendReport({ day: '2025-03-04', timeZone: 'Europe/Berlin', recordingText: text }).totalCalls, 0);
	});

	it('caps the call list but counts every call', () => {
		const text = Array.from({ length: maxSpendRows + 5 }, (_, i) => toRecordingLines(record({ startedAt: new Date(Date.UTC(2025, 2, 4, 8, 0, i)).toISOString() }))).join('');
		const r = buildSpendReport({ day: '2025-03-04', timeZone: 'UTC', recordingText: text });
		assert.equal(r.calls.length, maxSpendRows);
		assert.equal(r.totalCalls, maxSpendRows + 5);
		assert.equal(r.byModel[0].calls, maxSpendRows + 5);
	});

	it('the ledger day: settled and expired spend by model, open reservations as reserved, other days ignored', () => {
		const records = [
			{ t: 'reserve', id: 'a', run: 'r', day: '2025-03-04', nano: 5_000_000, at: 1, exp: 9, model: 'gpt-4o', step: 1 },
			{ t: 'settle', id: 'a', nano: 2_000_000, at: 2 },
			{ t: 'reserve', id: 'b', run: 'r', day: '2025-03-04', nano: 1_000_000, at: 3, exp: 9, model: 'gpt-4o-mini', step: 1 },
			{ t: 'release', id: 'b', at: 4 },
			{ t: 'reserve', id: 'c', run: 'r', day: '2025-03-04', nano: 3_000_000, at: 5, exp: 9, model: 'gpt-4o', step: 0 },
			{ t: 'expire', id: 'c', at: 10 },
			{ t: 'reserve', id: 'd', run: 'r', day: '2025-03-04', nano: 7_000_000, at: 11, exp: 99, model: 'claude-opus-4-6', step: 1 },
			{ t: 'reserve', id: 'e', run: 'r', day: '2025-03-03', nano: 9_000_000, at: 0, exp: 9, model: 'gpt-4o', step: 1 },
			{ t: 'settle', id: 'e', nano: 9_000_000, at: 1 },
			{ junk: true },
		];
		const d = ledgerDaySpend(records, '2025-03-04');
		assert.equal(d.spentUsd, 0.005);
		assert.equal(d.reservedUsd, 0.007);
		assert.deepEqual(d.byModel, [{ model: 'gpt-4o', usd: 0.005, charges: 2 }]);
	});

	it('budget events come from the explanation; refusals are not duplicated as extra lines', () => {
		const explanation = [
			{ stage: 'budget' as const, rule: 'budget.reserved', text: 'reserved up to $0.0010' },
			{ stage: 'budget' as const, rule: 'budget.unpriced', text: 'my-model has no price: not counted.' },
			{ stage: 'budget' as const, rule: 'budget.overLimit', text: 'over the daily limit (warn-only policy)' },
		];
		assert.deepEqual(
			budgetEventsOf(explanation).map(e => e.kind),
			['unpriced', 'overLimit'],
		);
		assert.equal(budgetEventLines(record({ status: 'refused', explanation })), '');
		const lines = budgetEventLines(record({ explanation }))
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as Record<string, unknown>);
		assert.deepEqual(
			lines.map(l => [l.type, l.kind, l.runId]),
			[
				['event', 'budgetUnpriced', 'run-1'],
				['event', 'budgetOverLimit', 'run-1'],
			],
		);
		assert.equal(liveRecordingFileName('2025-03-04'), 'live-2025-03-04.agent-cost.jsonl');
	});
});
