import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveCallRecord } from '../../../src/core/live/liveCallRecord';
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
		const rec = new JsonlCallRecorder(path);
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
		const bad = new JsonlCallRecorder(join(d, 'file', 'calls.jsonl')); // parent is a file: cannot be created
		await assert.rejects(bad.append(record('a')));
		const good = new JsonlCallRecorder(join(d, 'ok.jsonl'));
		await good.append(record('b'));
		assert.equal((await readJsonLines<LiveCallRecord>(join(d, 'ok.jsonl'))).values.length, 1);
	});
});
