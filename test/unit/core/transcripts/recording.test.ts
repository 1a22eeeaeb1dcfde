import * as assert from 'node:assert/strict';
import { InputError } from '../../../../src/core/lib/errors';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { parseRecording, type RecordedCall, recordingVersion, serializeRecordedCall, serializeRecordedEvent, serializeRecordedRun } from '../../../../src/core/transcripts/recording';
import { engineCounter, fixedCatalog } from './transcriptTestKit';

const call = (over: Partial<RecordedCall> = {}): RecordedCall => ({
	runId: 'run-1',
	id: 'chatcmpl-1',
	at: '2026-03-01T12:00:00.000Z',
	endedAt: '2026-03-01T12:00:01.500Z',
	durationMs: 1500,
	model: 'gpt-4o-2024-08-06',
	provider: 'openai',
	usage: { input: 1_200, cacheRead: 1_024, cacheWrite5m: 0, cacheWrite1h: 0, output: 80, reasoning: 0 },
	costUsd: (176 * 2.5 + 1_024 * 1.25 + 80 * 10) / 1e6,
	input: {
		kind: 'full',
		messages: [
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'ls?' },
			{ role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'bash', arguments: '{"cmd":"ls"}' }], toolCallIds: ['call_1'] },
			{ role: 'tool', content: 'a.py', toolResultIds: ['call_1'] },
		],
		tools: [{ name: 'bash', description: 'run a command', parameters: { type: 'object' } }],
	},
	output: { text: 'One file: a.py', toolCalls: [], stopReason: 'stop' },
	...over,
});

const opts = { file: 'run-1.agent-cost.jsonl', counter: engineCounter };

describe('recording format (versioned JSONL, one line per call)', () => {
	it('serializes one call as ONE line ending in a newline, with the version and record type first', () => {
		const line = serializeRecordedCall(call());
		assert.equal(line.indexOf('\n'), line.length - 1);
		assert.ok(line.startsWith(`{"v":${recordingVersion},"type":"call",`));
	});

	it('round trip: what the provider clients append is what the importer reads (auto-detected)', () => {
		const text =
			serializeRecordedRun({ runId: 'run-1', startedAt: '2026-03-01T12:00:00.000Z', agent: 'agent-cost-lens 0.1.0' }) +
			serializeRecordedCall(call()) +
			serializeRecordedEvent({ kind: 'compaction', at: '2026-03-01T12:00:02.000Z', trigger: 'auto', preTokens: 9000 }) +
			serializeRecordedCall(call({ id: 'chatcmpl-2', at: '2026-03-01T12:00:03.000Z', status: 'error', error: { reason: 'rateLimit', message: '429' } }));
		const t = importTranscript(text, opts);
		assert.equal(t.format, 'agent-cost-recording');
		assert.equal(t.runId, 'run-1');
		assert.equal(t.agent, 'agent-cost-lens 0.1.0');
		assert.equal(t.calls.length, 2);
		const c = t.calls[0];
		assert.deepEqual(c.usage, call().usage);
		assert.equal(c.recordedCostUsd, call().costUsd);
		assert.deepEqual(c.input, { ...call().input, messages: call().input!.messages.map(m => (m.role === 'tool' ? { ...m, toolCallId: 'call_1', observation: true } : m)) });
		assert.deepEqual(c.output, call().output);
		assert.equal(c.usageSource, 'recorded');
		assert.equal(t.calls[1].status, 'error');
		assert.deepEqual(
			t.events.map(e => [e.kind, e.beforeCall, e.trigger, e.preTokens]),
			[['compaction', 1, 'auto', 9000]],
		);
		// The product's own price at call time equals today's recomputation: nothing to report.
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.calls[0].matches, true);
	});

	it('a line cut off mid-append (crash) is tolerated; records of a newer version are skipped with a warning; unknown types ignored', () => {
		const good = serializeRecordedCall(call());
		const newer = JSON.stringify({ v: recordingVersion + 1, type: 'call', model: 'x', usage: {} }) + '\n';
		const unknown = JSON.stringify({ v: 1, type: 'budgetNote', text: 'hi' }) + '\n';
		const torn = good.slice(0, 60);
		const t = parseRecording(good + newer + unknown + torn, opts);
		assert.equal(t.calls.length, 1);
		assert.deepEqual(t.warnings.map(w => w.code).sort(), ['newerVersion', 'truncatedLastLine']);
	});

	it('usage is normalized before it is written: negative or missing counts are programming errors', () => {
		assert.throws(
			() => serializeRecordedCall(call({ usage: { input: -1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 } })),
			e => InputError.is(e, 'badArgument'),
		);
		assert.throws(
			() => serializeRecordedCall(call({ at: 'yesterday' })),
			e => InputError.is(e, 'badArgument'),
		);
	});

	it('appending line by line: every prefix of complete lines is a valid recording', () => {
		const lines = [serializeRecordedCall(call()), serializeRecordedCall(call({ id: 'b' })), serializeRecordedCall(call({ id: 'c' }))];
		for (let n = 1; n <= lines.length; n++) assert.equal(parseRecording(lines.slice(0, n).join(''), opts).calls.length, n);
	});
});
