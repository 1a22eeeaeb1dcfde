import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveCallRecord } from '../../../src/core/live/liveCallRecord';
import { parseRecording } from '../../../src/core/transcripts/recording';
import { appendJsonLine, JsonlCallRecorder, readJsonLines } from '../../../src/node/jsonlCallRecorder';

const record = (id: string): LiveCallRecord => ({
	kind: 'liveCall',
	v: 1,
	id,
	runId: 'r',
	startedAt: '2026-01-01T00:00:00.000Z',
	endedAt: '2026-01-01T00:00:01.000Z',
	status: 'ok',
	model: 'gpt-4o-mini',
	messages: [{ role: 'user', content: `line with "quotes" and a\nnewline ${id}` }],
	params: { maxOutputTokens: 10 },
	costEstimated: false,
	latencyMs: 1000,
	attempts: [],
	explanation: [],
});

describe('JSONL call recorder (crash-safe append)', () => {
	const dir = () => mkdtempSync(join(tmpdir(), 'jsonl-'));

	it('writes one complete line per record, in call order, even when appends are not awaited', async () => {
		const path = join(dir(), 'nested', 'calls.jsonl');
		const rec = new JsonlCallRecorder(path, { serialize: r => JSON.stringify(r) + '\n' });
		await Promise.all(Array.from({ length: 40 }, (_, i) => rec.append(record(`c${i}`))));
		const text = readFileSync(path, 'utf8');
		assert.equal(text.split('\n').length, 41, 'one line each plus the final newline');
		const { values, badLines } = await readJsonLines<LiveCallRecord>(path);
		assert.deepEqual(badLines, []);
		assert.deepEqual(
			values.map(v => v.id),
			Array.from({ length: 40 }, (_, i) => `c${i}`),
		);
		assert.equal(values[3].messages[0].content, 'line with "quotes" and a\nnewline c3');
	});

	it('after a torn last line (a writer killed mid-write) the next record starts on a fresh line', async () => {
		const path = join(dir(), 'calls.jsonl');
		await appendJsonLine(path, record('before'));
		appendFileSync(path, '{"kind":"liveCall","v":1,"id":"torn","mess'); // no newline: the crash
		await appendJsonLine(path, record('after'));
		const { values, badLines } = await readJsonLines<LiveCallRecord>(path);
		assert.deepEqual(
			values.map(v => v.id),
			['before', 'after'],
		);
		assert.deepEqual(badLines, [2], 'only the torn line is lost, and it is reported');
	});

	it('a failed append rejects that call but does not block later ones', async () => {
		const d = dir();
		writeFileSync(join(d, 'file'), 'x');
		const bad = new JsonlCallRecorder(join(d, 'file', 'calls.jsonl'), { fsync: false }); // parent is a file: cannot be created
		await assert.rejects(bad.append(record('a')));
		const good = new JsonlCallRecorder(join(d, 'ok.jsonl'));
		await good.append(record('b'));
		assert.equal((await readJsonLines(join(d, 'ok.jsonl'))).values.length, 2, 'run header + call');
	});

	it('writes the product recording format by default: a run header, then calls its importer reads back', async () => {
		const path = join(dir(), 'run.agent-cost.jsonl');
		const rec = new JsonlCallRecorder(path, { agent: 'agent-cost-lens test' });
		const usage = { input: 120, cacheRead: 100, cacheWrite5m: 0, cacheWrite1h: 0, output: 7, reasoning: 0 };
		await rec.append({
			...record('a'),
			provider: 'openai',
			usage,
			usageSource: 'provider',
			costUsd: 0.0001,
			response: { text: 'hi', toolCalls: [], finishReason: 'stop', servedModel: 'gpt-4o-mini-2024-07-18', responseId: 'chatcmpl-1' },
		});
		await rec.append({ ...record('b'), status: 'refused', error: { kind: 'budget', reason: 'run', message: 'run budget exhausted' } });
		await rec.append({
			...record('c'),
			status: 'ok',
			model: 'gpt-4o',
			usage,
			usageSource: 'estimated',
			costUsd: 0.002,
			costEstimated: true,
			otherCharges: [{ model: 'gpt-4o-mini', usage: { ...usage, cacheRead: 0 }, costUsd: 0.00003, estimated: true, status: 'network' }],
			response: { text: 'yo', toolCalls: [{ id: 't1', name: 'f', arguments: '{}' }], finishReason: 'toolCalls' },
		});
		const lines = readFileSync(path, 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as { type: string; kind?: string; agent?: string });
		assert.deepEqual(
			lines.map(l => l.type + (l.kind ? `:${l.kind}` : '')),
			['run', 'call', 'call', 'event:budgetRefused', 'call', 'call'],
		);
		assert.equal(lines[0].agent, 'agent-cost-lens test');
		const t = parseRecording(readFileSync(path, 'utf8'), {
			file: path,
			counter: { countText: () => ({ tokens: 0, exact: true, method: 'heuristic-estimate' }), countChat: () => ({ tokens: 0, exact: true, method: 'heuristic-estimate' }) },
		});
		assert.deepEqual(t.warnings, []);
		assert.deepEqual(
			t.calls.map(c => [c.model, c.status ?? 'ok', c.usageSource, c.recordedCostUsd]),
			[
				['gpt-4o-mini-2024-07-18', 'ok', 'recorded', 0.0001],
				['gpt-4o-mini', 'refused', 'recorded', undefined],
				['gpt-4o-mini', 'error', 'counted', 0.00003],
				['gpt-4o', 'ok', 'counted', 0.002],
			],
		);
		assert.deepEqual(t.calls[3].output?.toolCalls, [{ id: 't1', name: 'f', arguments: '{}' }]);
		assert.equal(t.calls[0].id, 'chatcmpl-1');
	});
});
