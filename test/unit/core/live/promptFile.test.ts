import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../../src/core/lib/errors';
import { parseFrontMatter } from '../../../../src/core/prompts/frontMatter';
import { parsePromptFile } from '../../../../src/core/prompts/promptFile';
import { repoRoot } from '../../../support/paths';

const sample = (name: string) => readFileSync(join(repoRoot(), 'sample-workspace', 'prompts', name), 'utf8');

describe('prompt files → the conversation a live call sends', () => {
	it('a plain prompt is one user message, sent as written (trimmed)', () => {
		const r = parsePromptFile(sample('code-review.prompt'), 'code-review.prompt');
		assert.equal(r.format, 'text');
		assert.equal(r.messages.length, 1);
		assert.equal(r.messages[0].role, 'user');
		assert.equal(r.messages[0].content, sample('code-review.prompt').trim());
		assert.equal(r.model, undefined);
	});

	it('Markdown front matter is metadata: not sent; its model pins the call', () => {
		const r = parsePromptFile(sample('summarize-pull-request.prompt.md'), 'summarize-pull-request.prompt.md');
		assert.equal(r.messages.length, 1);
		assert.match(r.messages[0].content, /^You are a senior engineer/);
		assert.ok(!r.messages[0].content.includes('description:'));
		assert.equal(r.model, undefined);
		const pinned = parsePromptFile('---\nmodel: claude-sonnet-4-5 # the writer\ntemperature: 0.3\n---\nHello', 'x.prompt.md');
		assert.equal(pinned.model, 'claude-sonnet-4-5');
		assert.deepEqual(pinned.messages, [{ role: 'user', content: 'Hello' }]);
	});

	it('a Prompty file: nested model, parameters, system/user sections, placeholders filled from the sample', () => {
		const r = parsePromptFile(sample('support-triage.prompty'), 'support-triage.prompty');
		assert.equal(r.format, 'prompty');
		assert.equal(r.model, 'gpt-4o-mini');
		assert.equal(r.maxOutputTokens, 400);
		assert.equal(r.temperature, 0);
		assert.deepEqual(
			r.messages.map(m => m.role),
			['system', 'user'],
		);
		assert.match(r.messages[0].content, /^You triage customer support tickets for Acme Billing\./);
		// The folded block scalar (`ticket: >`) is one paragraph, as YAML folds it.
		assert.equal(
			r.messages[1].content,
			'Hi, I was charged twice for my March invoice (INV-20931). The card statement shows two identical charges of $249.00 on March 3rd. Can you refund one of them? This is urgent because it pushed my account into overdraft.',
		);
		assert.deepEqual(r.warnings, []);
	});

	it('placeholders without a sample are sent as written, with a warning', () => {
		const r = parsePromptFile('---\nmodel: gpt-4o\n---\nsystem:\nBe brief.\nuser:\nSummarize {{document}} for {{ audience }}.', 'a.prompty');
		assert.equal(r.messages[1].content, 'Summarize {{document}} for {{ audience }}.');
		assert.deepEqual(r.warnings, ['placeholders without a sample value were sent as written: {{document}}, {{audience}}']);
	});

	it('a Prompty body with only a system prompt still sends a user turn; assistant turns are kept', () => {
		assert.deepEqual(parsePromptFile('Only instructions here.', 'b.prompty').messages, [{ role: 'user', content: 'Only instructions here.' }]);
		const r = parsePromptFile('system:\nS\nuser:\nU1\nassistant:\nA1\nuser:\nU2', 'c.prompty');
		assert.deepEqual(
			r.messages.map(m => `${m.role}:${m.content}`),
			['system:S', 'user:U1', 'assistant:A1', 'user:U2'],
		);
	});

	it('chat JSON: OpenAI tool calls and results stay tool calls and results', () => {
		const r = parsePromptFile(sample('refactor-agent.messages.json'), 'refactor-agent.messages.json');
		assert.equal(r.format, 'chat');
		assert.deepEqual(
			r.messages.map(m => m.role),
			['system', 'user', 'assistant', 'tool', 'user'],
		);
		const a = r.messages[2];
		assert.ok(a.role === 'assistant' && a.toolCalls);
		assert.deepEqual(a.toolCalls, [{ id: 'call_01', name: 'read_file', arguments: '{"path": "reports/export.py"}' }]);
		const t = r.messages[3];
		assert.ok(t.role === 'tool' && t.toolCallId === 'call_01' && t.content.startsWith('import csv'));
	});

	it('a request body: model, max_tokens, temperature, tools, and an Anthropic system + tool_result turn', () => {
		const body = {
			model: 'claude-sonnet-4-5',
			max_tokens: 300,
			temperature: 0.2,
			system: 'You are terse.',
			tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object' } }],
			messages: [
				{ role: 'user', content: 'Find order 42' },
				{
					role: 'assistant',
					content: [
						{ type: 'text', text: 'Looking.' },
						{ type: 'tool_use', id: 'tu1', name: 'lookup', input: { id: 42 } },
					],
				},
				{
					role: 'user',
					content: [
						{ type: 'tool_result', tool_use_id: 'tu1', content: 'shipped', is_error: false },
						{ type: 'text', text: 'And now?' },
					],
				},
			],
		};
		const r = parsePromptFile(JSON.stringify(body), 'req.json');
		assert.equal(r.model, 'claude-sonnet-4-5');
		assert.equal(r.maxOutputTokens, 300);
		assert.equal(r.temperature, 0.2);
		assert.deepEqual(r.tools, [{ name: 'lookup', description: 'Look up', parameters: { type: 'object' } }]);
		assert.deepEqual(r.messages, [
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'Find order 42' },
			{ role: 'assistant', content: 'Looking.', toolCalls: [{ id: 'tu1', name: 'lookup', arguments: '{"id":42}' }] },
			{ role: 'tool', toolCallId: 'tu1', content: 'shipped' },
			{ role: 'user', content: 'And now?' },
		]);
	});

	it('a selection is sent instead of the body (as chat when it is chat JSON); the file still names the model', () => {
		const text = '---\nmodel: gpt-4o\n---\nFirst part.\n\nSecond part.';
		const r = parsePromptFile(text, 'p.prompt.md', 'Second part.');
		assert.deepEqual(r.messages, [{ role: 'user', content: 'Second part.' }]);
		assert.equal(r.model, 'gpt-4o');
		const chat = parsePromptFile(text, 'p.prompt.md', '[{"role":"user","content":"hi"}]');
		assert.equal(chat.format, 'chat');
		assert.equal(chat.model, 'gpt-4o');
	});

	it('bad input is a clear InputError, not a crash or an empty call', () => {
		assert.throws(
			() => parsePromptFile('   \n', 'empty.prompt'),
			(e: unknown) => InputError.is(e, 'badFile') && /empty\.prompt has no prompt text/.test((e as Error).message),
		);
		assert.throws(
			() => parsePromptFile('{"not": "a chat"}', 'x.messages.json'),
			(e: unknown) => InputError.is(e, 'badFile') && /x\.messages\.json is not \(yet\) a chat/.test((e as Error).message),
		);
		assert.throws(
			() => parsePromptFile('---\nmodel: gpt-4o\n---\n', 'only-meta.prompt.md'),
			(e: unknown) => InputError.is(e, 'badFile'),
		);
		// A text that merely looks like JSON is sent as text.
		assert.equal(parsePromptFile('{ not json at all', 'x.prompt').format, 'text');
	});

	it('front matter: only a real `key: value` block counts (a Markdown rule pair does not)', () => {
		assert.equal(parseFrontMatter('---\nJust a rule\n---\ntext'), undefined);
		assert.deepEqual(parseFrontMatter('---\na: 1\nb:\n  c: "x: y"\n  d: [not, parsed]\nlist:\n  - one\n  - two\n---\nbody')?.data, {
			a: 1,
			b: { c: 'x: y', d: '[not, parsed]' },
			list: ['one', 'two'],
		});
		const literal = parseFrontMatter('---\nkeep: |\n  line 1\n\n  line 2\nnext: 2\n---\n');
		assert.deepEqual(literal?.data, { keep: 'line 1\n\nline 2\n', next: 2 });
	});
});
