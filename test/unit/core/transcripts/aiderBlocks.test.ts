import * as assert from 'node:assert/strict';
import { importAider } from '../../../../src/core/transcripts/aider';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { engineCounter, fixedCatalog, importPublicFixture } from './transcriptTestKit';

/**
 * aider writes each piece of its own output with ONE append: `> ` before the first line only, two
 * trailing spaces after the last (aider/io.py `append_chat_history`; multi-line shell commands come
 * from `confirm_ask(subject=…)`, padded to one width). Prompts and replies always start after an
 * empty line. The importer must read those blocks whole, not invent calls from their lines.
 */
const importText = (text: string, model = 'gpt-4o') => importAider(text, { file: 'chat.md', counter: engineCounter, model });
/** An assistant reply as aider writes it (`ai_output`: a leading newline, two after). */
const reply = (text: string) => `\n${text}\n\n`;

describe('aider: block structure of its own output', () => {
	it('a real history with four multi-line shell commands: exactly its five calls, no orphan replies, cost within the rounding', () => {
		const t = importPublicFixture('aider/discordo_install.aider.chat.history.md', { model: 'gpt-4o' });
		assert.equal(t.calls.length, 5);
		assert.deepEqual(
			t.calls.map(c => [c.usageSource, c.usage.input, c.usage.output]),
			[
				['rounded', 4_200, 95],
				['rounded', 12_000, 162],
				['rounded', 12_000, 172],
				['rounded', 12_000, 213],
				['rounded', 13_000, 194],
			],
		);
		assert.ok(!t.warnings.some(w => w.code === 'countedUsage'), 'no reply without a usage line');
		// The commands are aider's output, not the assistant's reply.
		assert.ok(t.calls.every(c => !/^cd discordo\s*$/m.test(c.output!.text.split('```')[2] ?? '')));
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.recordedUsd, 0.14);
		assert.ok(!a.warnings.some(w => w.code === 'costMismatch'), JSON.stringify(a.warnings));
	});

	it('a padded multi-line command with a padding-only line inside stays one aider block', () => {
		const text = [
			'#### start the server',
			reply('Restart it with the commands below.'),
			'> Tokens: 2.7k sent, 781 received.  ',
			'> # Restart the FastAPI server              ',
			'uvicorn app:app --host 0.0.0.0 --port 8000',
			'                                          ',
			'# Open the app in your default web browser',
			'open http://localhost:8000  ',
			"> Run shell commands? (Y)es/(N)o/(D)on't ask again [Yes]: n  ",
			'',
			'#### next',
			reply('Done.'),
			'> Tokens: 3.0k sent, 2 received.  ',
		].join('\n');
		const t = importText(text);
		assert.equal(t.calls.length, 2);
		assert.ok(t.calls.every(c => c.usageSource === 'rounded'));
	});

	it('an output with empty lines inside (lint errors) runs to its two-space last line, across the empty lines', () => {
		const text = [
			'#### add the helper',
			reply('Added it.'),
			'> Tokens: 1.2k sent, 50 received.  ',
			'> Applied edit to helper.py  ',
			'> Commit 1a2b3c4 feat: add helper  ',
			'> # Fix any errors below, if possible.',
			'',
			'## Running: flake8 helper.py',
			'',
			"helper.py:1:1: F401 'os' imported but unused",
			'',
			'## See relevant line below marked with █.',
			'  1█import os  ',
			'> Attempt to fix lint errors? (Y)es/(N)o [Yes]: n  ',
			'',
			'#### thanks',
			reply('You are welcome.'),
			'> Tokens: 1.3k sent, 5 received.  ',
		].join('\n');
		const t = importText(text);
		assert.equal(t.calls.length, 2);
		assert.ok(t.calls.every(c => c.usageSource === 'rounded'));
	});

	it("older histories without two-space line ends: lines right after aider's output are still its continuation", () => {
		const text = [
			'#### build it',
			reply('Build with:'),
			'> Tokens: 1.0k sent, 20 received.',
			'> g++ -o emulator src/bare.cpp',
			'./emulator',
			"> Run shell commands? (Y)es/(N)o/(D)on't ask again [Yes]: y",
			'',
			'#### ok',
			reply('Good.'),
			'> Tokens: 1.1k sent, 2 received.',
		].join('\n');
		assert.equal(importText(text).calls.length, 2);
	});
});

describe('aider: counted calls are lower bounds only when they can be', () => {
	const long = 'word '.repeat(1_500);

	it('a new session and /clear start a fresh history: the next call is a full prompt without the earlier chat', () => {
		const text = [
			'# aider chat started at 2024-05-01 10:00:00',
			'',
			`#### ${long}`,
			reply('First answer.'),
			'# aider chat started at 2024-05-02 10:00:00',
			'',
			'#### short question',
			reply('Second answer.'),
			'#### /clear',
			'',
			'#### another',
			reply('Third answer.'),
		].join('\n');
		const t = importText(text);
		assert.equal(t.calls.length, 3);
		assert.deepEqual(
			t.calls.map(c => c.input?.kind),
			['full', 'full', 'full'],
		);
		// The second session's count does not carry the first session's 1,500-word prompt.
		assert.ok(t.calls[1].usage.input < 100, String(t.calls[1].usage.input));
		assert.ok(t.calls[2].usage.input < 100, String(t.calls[2].usage.input));
	});

	it('over 1,024 tokens of earlier chat (aider may summarize it) the count is an estimate, not called a lower bound', () => {
		const text = [`#### ${long}`, reply('First.'), '#### and then?', reply('Second.')].join('\n');
		const t = importText(text);
		assert.match(t.calls[0].usageNotes![0], /\(lower bound\)$/);
		assert.match(t.calls[1].usageNotes![0], /estimate, not a bound/);
		const w = t.warnings.find(x => x.code === 'countedUsage')!;
		assert.match(w.message, /lower bound for 1 of them, an estimate for 1/);
	});
});
