import * as assert from 'node:assert/strict';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { detectFormat, detectJsonFormat, type LineFormat } from '../../../../src/core/transcripts/detectFormat';
import { TranscriptImportError } from '../../../../src/core/transcripts/importErrors';
import { createStreamingImport, importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { locateJsonError } from '../../../../src/core/transcripts/jsonAccess';
import { type TranscriptFormat, transcriptFormats } from '../../../../src/core/transcripts/model';
import { sumUsage } from '../../../../src/core/pricing/usage';
import { engineCounter, fixedCatalog, fixtureFiles, fixtureText, importFixture, rng } from './transcriptTestKit';

function importError(text: string, file = 'f.json'): TranscriptImportError {
	try {
		importTranscript(text, { file, counter: engineCounter });
	} catch (e) {
		assert.ok(TranscriptImportError.is(e), `expected a TranscriptImportError, got ${String(e)}`);
		return e;
	}
	assert.fail('the import should have failed');
}

const expectedFormat: Record<string, TranscriptFormat> = {
	aider: 'aider',
	anthropic_messages: 'http-recording',
	claude_code: 'claude-code',
	codex_cli: 'codex-rollout',
	gemini_cli: 'gemini-cli',
	pi: 'pi-session',
	inspect_ai: 'inspect-ai',
	mini_swe_agent: 'mini-swe-agent',
	openai_chat: 'http-recording',
	openai_responses: 'http-recording',
	openhands: 'openhands-eval',
	swe_agent: 'swe-agent',
};

describe('format detection', () => {
	it('every shared transcript is detected as its format (from the first 64 KB and the name; JSON by structure)', () => {
		for (const file of fixtureFiles()) {
			const text = fixtureText(file);
			const d = detectFormat(text.slice(0, 64 * 1024), file);
			assert.ok(d, file);
			const format = d.container === 'json' ? detectJsonFormat(JSON.parse(text)) : d.format;
			const folder = file.split('/')[0];
			const expected = file.includes('taubench') ? 'openai-chat-messages' : file.includes('openhands_traj') ? 'openhands-trajectory' : expectedFormat[folder];
			assert.equal(format, expected, file);
		}
	});

	it('documents that only quote a format (FORMATS.md) are not transcripts', () => {
		assert.equal(detectFormat(fixtureText('FORMATS.md'), 'FORMATS.md'), undefined);
		assert.equal(detectFormat(fixtureText('PROVENANCE.md'), 'PROVENANCE.md'), undefined);
	});

	it('an unknown format is a typed error that lists every format tried', () => {
		for (const text of ['hello world', '{"foo": 1}', '[1, 2, 3]', '<html></html>']) {
			const e = importError(text);
			assert.equal(e.reason, 'unknownFormat', text);
			assert.deepEqual(e.formatsTried, transcriptFormats);
			for (const f of transcriptFormats) assert.ok(e.message.includes(f), `${f} in: ${e.message}`);
			assert.ok(e.message.startsWith('f.json: '), e.message);
		}
	});
});

describe('bad input: typed errors that say where', () => {
	it('malformed JSON names the file, line and column', () => {
		const e = importError('{\n  "interactions": [\n    {"request": }\n  ]\n}', 'cassette.json');
		assert.equal(e.reason, 'malformed');
		assert.deepEqual([e.file, e.line, e.column], ['cassette.json', 3, 17]);
		assert.match(e.message, /^cassette\.json:3:17: invalid JSON: unexpected character "}"/);
	});

	it('a truncated JSON document says so (the shared files cut in half)', () => {
		for (const file of fixtureFiles().filter(f => !f.endsWith('.jsonl') && !f.endsWith('.md'))) {
			const text = fixtureText(file);
			const e = importError(text.slice(0, Math.floor(text.length / 2)), file);
			assert.equal(e.reason, 'truncated', `${file}: ${e.message}`);
			assert.ok(e.line !== undefined && e.column !== undefined, e.message);
		}
	});

	it('the JSON error locator agrees with where JSON.parse stops on many corruptions', () => {
		const next = rng(7);
		const base = fixtureText('openai_chat/pydai_openai_tool_output.json');
		for (let i = 0; i < 300; i++) {
			const at = Math.floor(next() * base.length);
			const text = base.slice(0, at) + '#' + base.slice(at + 1);
			let parsed = true;
			try {
				JSON.parse(text);
			} catch {
				parsed = false;
			}
			if (parsed) continue;
			// The problem shows at the damaged token or later (a damaged quote only fails where the string should have ended).
			const loc = locateJsonError(text);
			assert.ok(loc.offset >= at - 16 && loc.offset <= text.length && loc.problem !== 'unknown syntax error', `${i}: ${loc.offset} vs ${at}: ${loc.problem}`);
		}
		assert.equal(locateJsonError('['.repeat(200_000)).atEnd, true, 'deep nesting is scanned without recursion');
	});

	it('empty files and whitespace are "empty"; deep nesting is a typed error', () => {
		assert.equal(importError('').reason, 'empty');
		assert.equal(importError(' \n\t\n').reason, 'empty');
		const deep = importError('['.repeat(100_000) + ']'.repeat(100_000));
		assert.ok(deep.reason === 'badStructure' || deep.reason === 'unknownFormat', deep.reason);
	});

	it('JSONL: a bad line in the middle is skipped with its line number; a cut last line is tolerated; all-bad is an error', () => {
		const lines = fixtureText('claude_code/claude-reliability_hello-world-script.jsonl').split('\n');
		const damaged = [...lines.slice(0, 4), '{"type":"user", broken', ...lines.slice(4)].join('\n');
		const t = importTranscript(damaged, { file: 's.jsonl', counter: engineCounter });
		assert.equal(t.calls.length, 4);
		const w = t.warnings.find(x => x.code === 'malformedLine');
		assert.equal(w?.line, 5);
		assert.match(w?.message ?? '', /line 5 \(line 5: not valid JSON\)/);
		// Cut in the middle of the last assistant line: the three complete calls remain.
		const full = fixtureText('claude_code/claude-reliability_hello-world-script.jsonl').trimEnd();
		const cut = importTranscript(full.slice(0, full.length - 200), { file: 's.jsonl', counter: engineCounter });
		assert.equal(cut.calls.length, 3);
		assert.ok(cut.warnings.some(x => x.code === 'truncatedLastLine' && x.line === 9));
		const allBad = importError('{"sessionId":"S","type":"user", nope\n{"sessionId":"S", also bad\n', 'x.jsonl');
		assert.ok(allBad.reason === 'malformed' || allBad.reason === 'unknownFormat', allBad.reason);
	});

	it('a valid document with the wrong structure is a typed error, not a crash', () => {
		const e = importError(JSON.stringify({ trajectory_format: 'mini-swe-agent-1', messages: 'not an array' }));
		assert.ok(e.reason === 'unknownFormat' || e.reason === 'badStructure', e.reason);
		// An empty cassette is a valid run without calls.
		assert.equal(importTranscript(JSON.stringify({ interactions: [], version: 1 }), { counter: engineCounter }).calls.length, 0);
	});
});

describe('streaming: the same transcript whatever the chunking', () => {
	it('chunk boundaries anywhere (inside lines, inside multi-byte characters, CRLF) change nothing', () => {
		const next = rng(11);
		for (const file of fixtureFiles().filter(f => f.endsWith('.jsonl'))) {
			const text = fixtureText(file);
			const whole = importFixture(file);
			for (const crlf of [false, true]) {
				const body = crlf ? text.replace(/\n/g, '\r\n') : text;
				const s = createStreamingImport(whole.format as LineFormat, { file, counter: engineCounter });
				let at = 0;
				while (at < body.length) {
					const size = 1 + Math.floor(next() * 700);
					s.push(body.slice(at, at + size));
					at += size;
				}
				const streamed = s.end();
				assert.deepEqual(streamed, whole, `${file} crlf=${crlf}`);
			}
		}
	});

	it('progress is reported while consuming, and the summary mode keeps numbers but no contents', () => {
		const file = 'claude_code/fasthooks_sample_main_transcript.jsonl';
		const text = fixtureText(file);
		const seen: number[] = [];
		const s = createStreamingImport('claude-code', { file, counter: engineCounter, retainContent: false, onProgress: p => seen.push(p.consumed) });
		for (let i = 0; i < text.length; i += 4096) s.push(text.slice(i, i + 4096));
		const t = s.end();
		assert.ok(seen.length >= Math.ceil(text.length / 4096));
		assert.equal(seen[seen.length - 1], text.length);
		assert.equal(t.contentRetained, false);
		assert.ok(t.calls.every(c => c.input === undefined && c.output === undefined));
		const full = importFixture(file);
		assert.deepEqual(
			t.calls.map(c => c.usage),
			full.calls.map(c => c.usage),
		);
	});
});

/** Reverses the key order of every object (a writer that serializes in another order). */
function reorder(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(reorder);
	if (v && typeof v === 'object')
		return Object.fromEntries(
			Object.entries(v)
				.reverse()
				.map(([k, x]) => [k, reorder(x)]),
		);
	return v;
}

/** Drops fields no importer needs (timestamps, headers, metadata), at every depth. */
const optionalKeys = new Set([
	'timestamp',
	'headers',
	'cwd',
	'gitBranch',
	'version',
	'slug',
	'userType',
	'system_fingerprint',
	'logprobs',
	'service_tier',
	'inference_geo',
	'extras',
	'llm_metrics',
	'response_latencies',
	'attachments',
	'working_start',
	'thinkingMetadata',
	'todos',
	'toolUseResult',
	'state',
	'execution_time',
	'created',
	'created_at',
	'completed_at',
	'signature',
]);
function dropOptional(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(dropOptional);
	if (v && typeof v === 'object')
		return Object.fromEntries(
			Object.entries(v)
				.filter(([k]) => !optionalKeys.has(k))
				.map(([k, x]) => [k, dropOptional(x)]),
		);
	return v;
}

describe('unseen files of the same formats', () => {
	for (const file of fixtureFiles()) {
		if (file.endsWith('.md')) continue;
		it(`${file}: reordered keys and missing optional fields give the same calls and usage`, () => {
			const base = importFixture(file);
			const text = fixtureText(file);
			const variants = file.endsWith('.jsonl')
				? [
						text
							.split('\n')
							.filter(l => l.trim())
							.map(l => JSON.stringify(reorder(JSON.parse(l))))
							.join('\n'),
						text
							.split('\n')
							.filter(l => l.trim())
							.map(l => JSON.stringify(dropOptional(JSON.parse(l))))
							.join('\n'),
					]
				: [JSON.stringify(reorder(JSON.parse(text))), JSON.stringify(dropOptional(JSON.parse(text)), null, 2)];
			for (const [n, variant] of variants.entries()) {
				const t = importTranscript(variant, { file, counter: engineCounter });
				assert.equal(t.format, base.format, `variant ${n}`);
				assert.equal(t.calls.length, base.calls.length, `variant ${n}`);
				const u = sumUsage(t.calls.map(c => c.recordedUsage ?? c.usage));
				const b = sumUsage(base.calls.map(c => c.recordedUsage ?? c.usage));
				assert.deepEqual(u, b, `variant ${n}`);
				assert.deepEqual(t.models, base.models);
			}
		});
	}

	it('an aider history with Windows line endings and no trailing newline reads the same', () => {
		const file = 'aider/aider_metadata-aider.chat.history.md';
		const base = importFixture(file);
		const t = importTranscript(fixtureText(file).replace(/\n/g, '\r\n').trimEnd(), { file, counter: engineCounter });
		assert.deepEqual(
			t.calls.map(c => c.usage),
			base.calls.map(c => c.usage),
		);
	});

	it('usage numbers that are damaged (negative, 1e308, strings) read as absent, never as NaN or Infinity', () => {
		const doc = JSON.parse(fixtureText('openai_chat/pydai_openai_tool_output.json'));
		doc.interactions[0].response.parsed_body.usage = { prompt_tokens: 1e308, completion_tokens: -5, prompt_tokens_details: { cached_tokens: '7' } };
		const t = importTranscript(JSON.stringify(doc), { file: 'x.json', counter: engineCounter });
		for (const c of t.calls) for (const v of Object.values(c.usage)) assert.ok(Number.isFinite(v) && v >= 0);
		assert.ok(t.warnings.some(w => w.code === 'missingUsage'));
		const a = accountTranscript(t, fixedCatalog);
		assert.ok(a.computedUsd === null || Number.isFinite(a.computedUsd));
	});
});
