import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxFrontMatterChars, promptMeta } from '../../../../src/core/prompts/promptMeta';
import { readPromptFile } from '../../../../src/core/prompts/promptFile';
import { repoRoot } from '../../../support/paths';

const sample = (name: string) => readFileSync(join(repoRoot(), 'sample-workspace', 'prompts', name), 'utf8');

describe('lens front matter (model of a prompt file)', () => {
	it('reads a scalar model', () => {
		const text = '---\nmodel: claude-sonnet-4-5\n---\nHello';
		assert.deepEqual(promptMeta(text), { bodyStart: text.indexOf('Hello'), model: 'claude-sonnet-4-5' });
	});

	it("reads Prompty's nested model.configuration (name, then azure_deployment, then model) and max_tokens", () => {
		const nested = (conf: string) => `---\nname: x\nmodel:\n  api: chat\n  configuration:\n${conf}  parameters:\n    max_tokens: 400\n---\nsystem:\nhi\n`;
		assert.equal(promptMeta(nested('    type: openai\n    name: gpt-4o-mini\n')).model, 'gpt-4o-mini');
		assert.equal(promptMeta(nested('    type: azure_openai\n    azure_deployment: gpt-4.1\n')).model, 'gpt-4.1');
		assert.equal(promptMeta(nested('    model: o4-mini\n')).model, 'o4-mini');
		assert.equal(promptMeta(nested('    name: gpt-4o\n    azure_deployment: other\n')).model, 'gpt-4o');
		assert.equal(promptMeta(nested('    name: gpt-4o\n')).maxOutputTokens, 400);
	});

	it('the sample .prompty names gpt-4o-mini with 400 output tokens', () => {
		const text = sample('support-triage.prompty');
		const meta = promptMeta(text);
		assert.equal(meta.model, 'gpt-4o-mini');
		assert.equal(meta.maxOutputTokens, 400);
		assert.ok(text.slice(meta.bodyStart).startsWith('system:'));
	});

	it('text without front matter, a horizontal rule, or unclosed front matter has none', () => {
		assert.deepEqual(promptMeta('Hello\n---\nmodel: gpt-4o\n---\n'), { bodyStart: 0 });
		assert.deepEqual(promptMeta('---\n\nJust a rule\n---\n'), { bodyStart: 0 });
		assert.deepEqual(promptMeta('---\nmodel: gpt-4o\nno end'), { bodyStart: 0 });
		assert.deepEqual(promptMeta(''), { bodyStart: 0 });
	});

	it('front matter without a model still gives where the body starts', () => {
		const text = sample('summarize-pull-request.prompt.md');
		const meta = promptMeta(text);
		assert.equal(meta.model, undefined);
		assert.ok(text.slice(meta.bodyStart).startsWith('You are a senior engineer'));
	});

	it('ignores front matter longer than the limit (the lens reads only the head of a document)', () => {
		const long = `---\nmodel: gpt-4o\ndescription: "${'x'.repeat(maxFrontMatterChars)}"\n---\nbody`;
		assert.deepEqual(promptMeta(long), { bodyStart: 0 });
	});

	it('a model that is not a string or is blank is not a model', () => {
		assert.equal(promptMeta('---\nmodel: 42\n---\nx').model, undefined);
		assert.equal(promptMeta('---\nmodel: ""\n---\nx').model, undefined);
	});
});

describe('lens prompt parsing (what each format counts)', () => {
	it('text: the body after the front matter, trimmed, as one user message', () => {
		const t = readPromptFile('---\nmodel: gpt-4o\n---\n\n  Hello there.  \n\n', 'text');
		assert.deepEqual([t.messages, t.model], [[{ role: 'user', content: 'Hello there.' }], 'gpt-4o']);
		assert.deepEqual(readPromptFile(' \n ', 'text').problem, 'the file has no prompt text');
		assert.deepEqual(readPromptFile('Hi\n', 'text').messages, [{ role: 'user', content: 'Hi' }]);
		assert.deepEqual(
			readPromptFile('[{"role":"system","content":"x"}]', 'text').messages,
			[{ role: 'user', content: '[{"role":"system","content":"x"}]' }],
			'a text file is text, whatever it starts with',
		);
	});

	it('prompty: its sections with the sample values filled in, and its model', () => {
		const p = readPromptFile(sample('support-triage.prompty'), 'prompty');
		assert.equal(p.problem, undefined);
		assert.deepEqual(
			p.messages.map(m => m.role),
			['system', 'user'],
		);
		assert.ok(p.messages[0].content.includes('Acme Billing'), 'the {{product}} placeholder is filled from sample:');
		assert.ok(p.messages[1].content.includes('INV-20931'));
		assert.equal(p.model, 'gpt-4o-mini');
		assert.equal(p.maxOutputTokens, 400);
	});

	it('chat JSON: messages with tool calls and results; request bodies name a model; JSONL works; broken JSON is a problem', () => {
		const p = readPromptFile(sample('refactor-agent.messages.json'), 'chat');
		assert.equal(p.problem, undefined);
		assert.equal(p.messages.length, 5);
		const call = p.messages[2];
		assert.equal(call?.role === 'assistant' ? call.toolCalls?.[0]?.name : undefined, 'read_file');
		const body = readPromptFile(
			JSON.stringify({ model: 'gpt-4.1', max_output_tokens: 300, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
			'chat',
		);
		assert.equal(body.model, 'gpt-4.1');
		assert.equal(body.maxOutputTokens, 300);
		assert.equal(body.tools?.length, 1);
		const jsonl = readPromptFile('{"role":"system","content":"a"}\n\n{"role":"user","content":"b"}\n', 'chat');
		assert.deepEqual(
			jsonl.messages.map(m => m.content),
			['a', 'b'],
		);
		const broken = readPromptFile('[{"role": "user", "content": "hi"', 'chat');
		assert.ok(broken.problem?.startsWith('not (yet) a chat'));
		assert.equal(broken.messages.length, 0);
	});
});
