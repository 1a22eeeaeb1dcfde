import * as assert from 'node:assert/strict';
import { jsonlLineOffsets, outlineJson } from '../../../../src/core/prompts/jsonOutline';
import { countPromptRequest, readPromptFile } from '../../../../src/core/prompts/promptFile';
import { promptSections } from '../../../../src/core/prompts/promptSections';
import { countChat, countChatParts, countText } from '../../../../src/core/tokens/count';

const counter = { countChat, countChatParts, countText };

describe('json outline (where the parts of a JSON document start)', () => {
	it('finds root array elements and root object members, skipping brackets and quotes inside strings', () => {
		const text = '[ {"a": "x]}\\"{["}, 2 ,\n"s"]';
		const o = outlineJson(text);
		assert.deepEqual(
			o.elements?.map(i => text[i]),
			['{', '2', '"'],
		);
		const body = '{"model":"m","messages":[{"role":"user","content":"[{"},  {"role":"assistant","content":"}"}],"tools":[]}';
		const m = outlineJson(body).members!;
		assert.deepEqual([...m.keys()], ['model', 'messages', 'tools']);
		assert.equal(body.slice(m.get('messages')!.key, m.get('messages')!.key + 10), '"messages"');
		assert.deepEqual(
			m.get('messages')!.elements.map(i => body.slice(i, i + 8)),
			['{"role":', '{"role":'],
		);
		assert.deepEqual(m.get('tools')!.elements, []);
	});

	it('finds the non-blank lines of JSONL', () => {
		const text = '{"a":1}\n\n  {"b":2}\r\n{"c":3}';
		assert.deepEqual(
			jsonlLineOffsets(text).map(i => text.slice(i, i + 4)),
			['{"a"', '{"b"', '{"c"'],
		);
	});
});

describe('prompt sections (context attribution)', () => {
	it('an OpenAI request body: one part per message at its element, the tools at their key; message parts add up to the whole', () => {
		const body = {
			model: 'gpt-4o',
			messages: [
				{ role: 'system', content: 'You are a careful refactoring agent. Keep every public name.' },
				{ role: 'user', content: 'Rename the `total` column to `amount` in report.py and keep the existing column order.' },
				{ role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read_file', arguments: '{"path":"report.py"}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: 'def report(rows):\n    return [r.total for r in rows]\n' },
			],
			tools: [
				{ type: 'function', function: { name: 'read_file', description: 'Read a file of the repository.', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
				{ type: 'function', function: { name: 'write_file', description: 'Write a file.', parameters: { type: 'object', properties: { path: { type: 'string' }, text: { type: 'string' } } } } },
			],
		};
		const text = JSON.stringify(body, null, 2);
		const sections = promptSections(counter, 'gpt-4o', text, 'chat').sections;
		assert.deepEqual(
			sections.map(s => s.label),
			['#1 system', '#2 user', '#3 assistant → read_file', '#4 tool result', '2 tool definitions', 'tool read_file', 'tool write_file'],
		);
		for (const s of sections.filter(x => x.kind === 'message')) assert.equal(text[s.offset], '{', `${s.label} starts at its element`);
		assert.equal(text.slice(sections[4].offset, sections[4].offset + 7), '"tools"');
		assert.ok(text.slice(sections[6].offset, sections[6].offset + 80).includes('write_file'));

		const request = readPromptFile(text, 'chat');
		const whole = countPromptRequest(countChat, 'gpt-4o', request).tokens;
		const base = countChat('gpt-4o', []).tokens;
		const messageParts = sections.filter(s => s.kind === 'message').reduce((a, s) => a + s.tokens, 0);
		const toolsPart = sections.find(s => s.kind === 'tools')!.tokens;
		assert.equal(messageParts + toolsPart + base, whole, 'the messages, the tools block and the reply priming are the whole prompt');
		assert.ok(Math.abs(sections.reduce((a, s) => a + (s.kind === 'tool' ? 0 : s.share), 0) - (whole - base) / whole) < 1e-9);
		assert.ok(sections.every(s => s.tokens > 0));
		const toolParts = sections.filter(s => s.kind === 'tool').reduce((a, s) => a + s.tokens, 0);
		assert.ok(Math.abs(toolParts - toolsPart) <= 1, `the definitions share the tools block: ${toolParts} vs ${toolsPart}`);
		assert.ok(sections[6].tokens > sections[5].tokens, 'the longer definition has the larger share');
	});

	it('messages-only chats are exact and add up exactly to the counted prompt', () => {
		const messages = [
			{ role: 'system', content: 'Summarise the diff in one sentence.' },
			{ role: 'user', content: 'diff --git a/x b/x\n+hello\n-world' },
		];
		const text = JSON.stringify(messages);
		const sections = promptSections(counter, 'gpt-4o', text, 'chat').sections;
		assert.deepEqual(
			sections.map(s => [s.label, s.exact, text[s.offset]]),
			[
				['#1 system', true, '{'],
				['#2 user', true, '{'],
			],
		);
		assert.equal(sections[0].tokens + sections[1].tokens + countChat('gpt-4o', []).tokens, countChat('gpt-4o', messages).tokens);
	});

	it('an Anthropic body: the system field is a part at its key; a message with tool results is one part', () => {
		const body = {
			model: 'claude-sonnet-4-5',
			system: 'You fix failing tests.',
			messages: [
				{ role: 'user', content: 'Fix test_sum.' },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { cmd: 'pytest -q' } }] },
				{
					role: 'user',
					content: [
						{ type: 'tool_result', tool_use_id: 't1', content: '1 failed' },
						{ type: 'text', text: 'Go on.' },
					],
				},
			],
			tools: [{ name: 'bash', description: 'Run a command.', input_schema: { type: 'object', properties: { cmd: { type: 'string' } } } }],
		};
		const text = JSON.stringify(body, null, 1);
		const sections = promptSections(counter, 'claude-sonnet-4-5', text, 'chat').sections;
		assert.deepEqual(
			sections.map(s => s.label),
			['#1 system', '#2 user', '#3 assistant → bash', '#4 user + 1 tool result', '1 tool definition', 'tool bash'],
		);
		assert.equal(text.slice(sections[0].offset, sections[0].offset + 8), '"system"');
		assert.ok(
			sections.every(s => !s.exact),
			'Claude counts are estimates',
		);
	});

	it('JSONL: one part per line', () => {
		const text = '{"role":"system","content":"Be brief."}\n{"role":"user","content":"Hello there, how are you today?"}\n';
		const sections = promptSections(counter, 'gpt-4o-mini', text, 'chat').sections;
		assert.deepEqual(
			sections.map(s => [s.label, s.offset]),
			[
				['#1 system', 0],
				['#2 user', text.indexOf('{"role":"user"')],
			],
		);
	});

	it('a .prompty file: one part per role section, at its role line', () => {
		const text = '---\nname: triage\nsample:\n  ticket: printer on fire\n---\nsystem:\nYou triage tickets.\n\nuser:\nTicket: {{ticket}}\n';
		const sections = promptSections(counter, 'gpt-4o', text, 'prompty').sections;
		assert.deepEqual(
			sections.map(s => [s.label, text.slice(s.offset, s.offset + 5)]),
			[
				['#1 system', 'syste'],
				['#2 user', 'user:'],
			],
		);
		// The placeholder is filled as the call sends it.
		assert.equal(sections[1].tokens, countChat('gpt-4o', [{ role: 'user', content: 'Ticket: printer on fire' }]).tokens - countChat('gpt-4o', []).tokens);
	});

	it('a Markdown prompt: one part per heading section (text before the first heading too), fences skipped, front matter not a part', () => {
		const text = '---\nmodel: gpt-4o\n---\nIntro line.\n\n# Role\nYou review code.\n\n## Examples\n```md\n# not a heading\n```\nMore.\n';
		const sections = promptSections(counter, 'gpt-4o', text, 'text').sections;
		assert.deepEqual(
			sections.map(s => [s.label, text.slice(s.offset, s.offset + 6)]),
			[
				['(before the first heading)', 'Intro '],
				['# Role', '# Role'],
				['## Examples', '## Exa'],
			],
		);
		assert.equal(sections[2].tokens, countText('gpt-4o', '## Examples\n```md\n# not a heading\n```\nMore.').tokens);
		const whole = countPromptRequest(countChat, 'gpt-4o', readPromptFile(text, 'text')).tokens;
		assert.ok(sections.every(s => s.share > 0 && s.share < 1));
		assert.ok(Math.abs(sections.reduce((a, s) => a + s.tokens, 0) - (whole - 7)) <= 3, 'the sections are the body, give or take a token at each boundary');
	});

	it('no parts for a text prompt without headings, mid-edit JSON, or an empty file', () => {
		assert.deepEqual(promptSections(counter, 'gpt-4o', 'Just one paragraph.', 'text').sections, []);
		assert.deepEqual(promptSections(counter, 'gpt-4o', '[{"role":"user","content":"hi"', 'chat'), { tokens: 0, sections: [] });
		assert.deepEqual(promptSections(counter, 'gpt-4o', '', 'prompty'), { tokens: 0, sections: [] });
	});
});
