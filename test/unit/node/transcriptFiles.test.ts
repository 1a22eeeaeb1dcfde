import * as assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countChat, countText } from '../../../src/core/tokens/count';
import { TranscriptImportError } from '../../../src/core/transcripts/importErrors';
import { importTranscript } from '../../../src/core/transcripts/importTranscript';
import { findTranscriptFiles, readTranscriptFile } from '../../../src/node/transcriptFiles';
import { transcriptsDir } from '../../support/paths';
import { readFileSync } from 'node:fs';

const counter = { countText, countChat };

async function rejects(p: Promise<unknown>, reason: TranscriptImportError['reason']): Promise<TranscriptImportError> {
	try {
		await p;
	} catch (e) {
		assert.ok(TranscriptImportError.is(e, reason), `expected ${reason}, got ${String(e)}`);
		return e;
	}
	assert.fail(`expected a ${reason} error`);
}

describe('transcript files on disk', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-transcripts-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('a streamed JSONL file imports exactly like the same text in memory, with byte progress to the end', async () => {
		const src = join(transcriptsDir(), 'claude_code', 'fasthooks_sample_main_transcript.jsonl');
		const progress: number[] = [];
		const streamed = await readTranscriptFile(src, { counter, displayName: 'main.jsonl', onProgress: p => progress.push(p.bytesRead) });
		const memory = importTranscript(readFileSync(src, 'utf8'), { file: 'main.jsonl', counter });
		assert.deepEqual(streamed, memory);
		assert.equal(progress[progress.length - 1], 70_305);
	});

	it('JSON and Markdown files are read whole; over the size limit they are refused with a typed error', async () => {
		const src = join(transcriptsDir(), 'inspect_ai', 'inspect_input-task_gpt-4o-mini.json');
		const t = await readTranscriptFile(src, { counter });
		assert.equal(t.calls.length, 2);
		const e = await rejects(readTranscriptFile(src, { counter, maxDocumentBytes: 1000 }), 'tooLarge');
		assert.match(e.message, /only JSONL transcripts are streamed/);
	});

	it('missing, unreadable and unknown files are typed errors naming the file', async () => {
		const missing = await rejects(readTranscriptFile(join(dir, 'nope.jsonl'), { counter, displayName: 'nope.jsonl' }), 'unreadable');
		assert.match(missing.message, /^nope\.jsonl: cannot read: no such file or folder/);
		writeFileSync(join(dir, 'notes.txt'), 'just some notes\n');
		const unknown = await rejects(readTranscriptFile(join(dir, 'notes.txt'), { counter }), 'unknownFormat');
		assert.ok(unknown.formatsTried && unknown.formatsTried.length === 13);
		await rejects(readTranscriptFile(dir, { counter }), 'unreadable');
		if (process.getuid?.() !== 0) {
			writeFileSync(join(dir, 'locked.jsonl'), '{}\n');
			chmodSync(join(dir, 'locked.jsonl'), 0o000);
			await rejects(readTranscriptFile(join(dir, 'locked.jsonl'), { counter }), 'unreadable');
		}
	});

	it('folders are walked for transcript-looking files only (docs, configs and node_modules skipped)', async () => {
		mkdirSync(join(dir, 'runs', 'deep'), { recursive: true });
		mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
		copyFileSync(join(transcriptsDir(), 'claude_code', 'spotter_tool_heavy.jsonl'), join(dir, 'runs', 'session.jsonl'));
		copyFileSync(join(transcriptsDir(), 'swe_agent', 'sweagent_gpt4_testrepo_6e44b9.traj'), join(dir, 'runs', 'deep', 'a.traj'));
		copyFileSync(join(transcriptsDir(), 'FORMATS.md'), join(dir, 'runs', 'FORMATS.md'));
		copyFileSync(join(transcriptsDir(), 'claude_code', 'spotter_tool_heavy.jsonl'), join(dir, 'node_modules', 'x', 's.jsonl'));
		writeFileSync(join(dir, 'runs', 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
		writeFileSync(join(dir, 'runs', 'data.jsonl'), '{"a":1}\n{"a":2}\n');
		const found = await findTranscriptFiles(['runs', 'missing-folder'], dir);
		assert.deepEqual(
			found.files.map(f => f.display),
			[join('runs', 'deep', 'a.traj'), join('runs', 'session.jsonl')],
		);
		assert.equal(found.problems.length, 1);
		assert.equal(found.problems[0].reason, 'unreadable');
		// An explicit file is always taken (its errors are the user's to see).
		const explicit = await findTranscriptFiles([join('runs', 'package.json')], dir);
		assert.deepEqual(
			explicit.files.map(f => [f.display, f.explicit]),
			[[join('runs', 'package.json'), true]],
		);
	});

	it('the fixtures folder yields exactly its 25 transcripts', async () => {
		const found = await findTranscriptFiles([transcriptsDir()], '/');
		assert.equal(found.files.length, 25);
		assert.deepEqual(found.problems, []);
	});
});
