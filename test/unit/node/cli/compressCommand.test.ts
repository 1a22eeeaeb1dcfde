import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChatDocument } from '../../../../src/core/compression/chatFile';
import { compressCommand, compressStrategies, createCompressCommand } from '../../../../src/node/cli/compressCommand';
import { wordCounter, words } from '../../../support/policyFakes';
import { runCliCaptured } from '../../../support/cliRun';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'acl-compress-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], stdin = '') => runCliCaptured(['compress', ...args], dir, [createCompressCommand(wordCounter)], stdin);
/** With the real tokenizers: whitespace savings are real tokens. */
const real = (args: string[], stdin = '') => runCliCaptured(['compress', ...args], dir, [compressCommand], stdin);

describe('agent-cost compress', () => {
	it('lossless --json prints {strategy, originalTokens, compressedTokens, ratio, verdict, text}: tokens as sent', async () => {
		writeFileSync(join(dir, 'p.prompt'), 'Hello   world\n\n\n\nHello   world again\n');
		const r = await real(['p.prompt', '--strategy', 'lossless', '--json']);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout);
		assert.deepEqual(Object.keys(out), ['strategy', 'originalTokens', 'compressedTokens', 'ratio', 'verdict', 'text']);
		assert.equal(out.verdict, 'saves');
		assert.equal(out.text, 'Hello world\n\nHello world again\n');
		assert.ok(out.compressedTokens < out.originalTokens, JSON.stringify(out));
	});

	it('nothing to save: the file is printed unchanged and stderr says why (chat JSON layout is not sent)', async () => {
		const chat = JSON.stringify(
			[
				{ role: 'system', content: 'Be brief.' },
				{ role: 'user', content: 'Summarize the diff.' },
			],
			null,
			8,
		);
		writeFileSync(join(dir, 'c.messages.json'), chat);
		const r = await real(['c.messages.json', '--strategy', 'lossless']);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, chat + '\n');
		assert.match(r.stderr, /^lossless: Nothing to save: .*re-serialized before sending.*\(\d+ tokens sent to gpt-4o\)\n$/);
		const j = JSON.parse((await real(['c.messages.json', '--strategy', 'lossless', '--json'])).stdout);
		assert.equal(j.verdict, 'unchanged');
		assert.equal(j.compressedTokens, j.originalTokens);
	});

	it('lossy prints English with a summary on stderr, front matter kept, counted with the model the file names', async () => {
		writeFileSync(join(dir, 'l.md'), '---\nmodel: gpt-4o-mini\ndescription: please note that basically\n---\nPlease note that the agent should basically read the file in order to find the bug.\n');
		const r = await real(['l.md', '--strategy', 'lossy', '--target-ratio', '0.7']);
		assert.equal(r.code, 0);
		assert.match(r.stderr, /^lossy: \d+ → \d+ tokens sent \(gpt-4o-mini\), ratio 0\.\d+/);
		assert.equal(r.stdout, '---\nmodel: gpt-4o-mini\ndescription: please note that basically\n---\nThe agent should read the file to find the bug.\n');
	});

	it('truncate and window work on chat JSON (array, request body, JSONL) and keep its format', async () => {
		const messages = [
			{ role: 'system', content: 'sys' },
			{ role: 'user', content: 'task' },
			...Array.from({ length: 6 }, (_, i) => [
				{ role: 'assistant', content: null, tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'read', arguments: '{}' } }] },
				{ role: 'tool', tool_call_id: `c${i}`, content: words(300) },
			]).flat(),
		];
		writeFileSync(join(dir, 'chat.messages.json'), JSON.stringify({ model: 'gpt-4o', messages }));
		const t = await cli(['chat.messages.json', '--strategy', 'truncate', '--keep-tokens', '700', '--json']);
		assert.equal(t.code, 0, t.stderr);
		const out = JSON.parse(t.stdout);
		const body = JSON.parse(out.text);
		assert.equal(body.model, 'gpt-4o');
		assert.deepEqual(
			body.messages.map((m: { role: string }) => m.role),
			['system', 'user', 'assistant', 'tool', 'assistant', 'tool'],
		);
		assert.deepEqual(body.messages[2], messages[10]); // kept messages are the original objects
		assert.ok(out.compressedTokens < out.originalTokens);
		const w = await cli(['-', '--strategy', 'window', '--window', '2', '--json'], messages.map(m => JSON.stringify(m)).join('\n'));
		assert.equal(w.code, 0, w.stderr);
		const lines = JSON.parse(w.stdout)
			.text.trim()
			.split('\n')
			.map((l: string) => JSON.parse(l));
		assert.match(lines[2].content, /earlier messages .* omitted/);
		assert.equal(parseChatDocument(JSON.parse(w.stdout).text)?.format, 'jsonl');
	});

	it('unknown strategy → exit 2 listing the valid ones; other bad input is explained', async () => {
		writeFileSync(join(dir, 'x.txt'), 'text');
		const r = await cli(['x.txt', '--strategy', 'zip']);
		assert.equal(r.code, 2);
		for (const s of compressStrategies) assert.ok(r.stderr.includes(s), r.stderr);
		assert.equal((await cli(['x.txt'])).code, 2);
		assert.equal((await cli(['x.txt', '--strategy', 'lossy', '--target-ratio', '1.5'])).code, 2);
		assert.match((await cli(['x.txt', '--strategy', 'truncate'])).stderr, /needs a chat file/);
		const missing = await cli(['nope.txt', '--strategy', 'lossless']);
		assert.equal(missing.code, 1);
		assert.match(missing.stderr, /cannot read nope\.txt: no such file/);
	});
});
