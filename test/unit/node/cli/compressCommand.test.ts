import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChatDocument } from '../../../../src/core/compression/chatFile';
import { compressStrategies, createCompressCommand } from '../../../../src/node/cli/compressCommand';
import { wordCounter, words } from '../../../support/policyFakes';
import { runCliCaptured } from '../../../support/cliRun';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'acl-compress-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], stdin = '') => runCliCaptured(['compress', ...args], dir, [createCompressCommand(wordCounter)], stdin);

describe('agent-cost compress', () => {
	it('lossless --json prints exactly {strategy, originalTokens, compressedTokens, ratio, text}', async () => {
		writeFileSync(join(dir, 'p.prompt'), 'Hello   world\n\n\n\nHello   world again\n');
		const r = await cli(['p.prompt', '--strategy', 'lossless', '--json']);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout);
		assert.deepEqual(Object.keys(out), ['strategy', 'originalTokens', 'compressedTokens', 'ratio', 'text']);
		// The tokens the call sends (one user message, trimmed), as the lens and `count` report them.
		const sent = (body: string) => wordCounter.countChat('gpt-4o', [{ role: 'user', content: body }]).tokens;
		assert.deepEqual(out, {
			strategy: 'lossless',
			originalTokens: sent('Hello   world\n\n\n\nHello   world again'),
			compressedTokens: sent('Hello world\n\nHello world again'),
			ratio: Math.round((sent('Hello world\n\nHello world again') / sent('Hello   world\n\n\n\nHello   world again')) * 10_000) / 10_000,
			text: 'Hello world\n\nHello world again\n',
		});
	});

	it('lossy reaches a target ratio and prints the text with a summary on stderr', async () => {
		writeFileSync(join(dir, 'l.md'), 'Please note that the agent should basically read the file that is in the folder in order to find the bug.\n');
		const r = await cli(['l.md', '--strategy', 'lossy', '--target-ratio', '0.7']);
		assert.equal(r.code, 0);
		assert.match(r.stderr, /^lossy: 28 → \d+ tokens \(gpt-4o\), ratio 0\.\d+/, 'the 21 tokens of the text, sent as one user message');
		assert.ok(r.stdout.split(/\s+/).filter(Boolean).length <= 14, r.stdout);
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
