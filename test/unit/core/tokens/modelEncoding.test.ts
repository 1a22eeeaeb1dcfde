import * as assert from 'node:assert/strict';
import { parseChatJson } from '../../../../src/core/tokens/chatShapes';
import { checkModelId } from '../../../../src/core/tokens/count';
import { InputError } from '../../../../src/core/lib/errors';
import { bareModelId, encodingForModel, modelFamily } from '../../../../src/core/tokens/modelEncoding';

describe('model → encoding', () => {
	it('maps the OpenAI families like tiktoken.encoding_for_model', () => {
		const o200k = [
			'gpt-4o',
			'gpt-4o-mini-2024-07-18',
			'chatgpt-4o-latest',
			'gpt-4.1',
			'gpt-4.1-nano',
			'gpt-4.5-preview',
			'gpt-5',
			'gpt-5-mini',
			'o1',
			'o1-mini',
			'o3',
			'o3-pro',
			'o4-mini',
			'gpt-oss-120b',
		];
		const cl100k = ['gpt-4', 'gpt-4-0613', 'gpt-4-turbo', 'gpt-4-32k', 'gpt-3.5-turbo', 'gpt-35-turbo', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];
		for (const m of o200k) assert.equal(encodingForModel(m), 'o200k_base', m);
		for (const m of cl100k) assert.equal(encodingForModel(m), 'cl100k_base', m);
	});

	it('strips provider prefixes and fine-tune wrappers', () => {
		assert.equal(encodingForModel('openai/gpt-4o'), 'o200k_base');
		assert.equal(encodingForModel('openrouter/openai/gpt-4.1-mini'), 'o200k_base');
		assert.equal(encodingForModel('openai:gpt-4'), 'cl100k_base');
		assert.equal(encodingForModel('azure/gpt-35-turbo'), 'cl100k_base');
		assert.equal(encodingForModel('ft:gpt-4o-mini-2024-07-18:acme::abc123'), 'o200k_base');
		assert.equal(encodingForModel('  GPT-4O  '), 'o200k_base');
		assert.equal(bareModelId('openrouter/openai/gpt-4o'), 'gpt-4o');
	});

	it('unknown and non-OpenAI models have no encoding', () => {
		for (const m of ['claude-sonnet-4-5', 'anthropic/claude-opus-4-6', 'gemini-2.5-pro', 'llama-3-70b', 'o', 'gpt', 'omni', 'my-deployment', 'o5x']) assert.equal(encodingForModel(m), undefined, m);
		assert.equal(modelFamily('anthropic.claude-3-5-sonnet-20240620-v1:0'), 'claude');
		assert.equal(modelFamily('google/gemini-3-pro-preview'), 'gemini');
		assert.equal(modelFamily('gpt-4o'), 'openai');
		assert.equal(modelFamily('mistral-large'), 'other');
	});

	it('rejects model strings that cannot name a model', () => {
		for (const bad of ['', '   ', 'gpt 4o', 'gpt-4o\tx', 'x'.repeat(201)])
			assert.throws(
				() => checkModelId(bad),
				(e: unknown) => InputError.is(e, 'unknownModel'),
				JSON.stringify(bad),
			);
		assert.equal(checkModelId(' gpt-4o '), 'gpt-4o');
	});
});

describe('chat JSON shapes', () => {
	it('reads an OpenAI request body: text parts, tool calls, tool results, tools, legacy functions', () => {
		const chat = parseChatJson({
			model: 'gpt-4o',
			messages: [
				{ role: 'system', content: 'S' },
				{
					role: 'user',
					content: [
						{ type: 'text', text: 'a' },
						{ type: 'image_url', image_url: { url: 'x' } },
						{ type: 'text', text: 'b' },
					],
				},
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: 'r' },
			],
			tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }],
			functions: [{ name: 'g', parameters: {} }],
		})!;
		assert.equal(chat.shape, 'openai');
		assert.equal(chat.model, 'gpt-4o');
		assert.equal(chat.uncountedParts, 1);
		assert.deepEqual(chat.messages, [
			{ role: 'system', content: 'S' },
			{ role: 'user', content: 'ab' },
			{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"x":1}' }] },
			{ role: 'tool', content: 'r', toolCallId: 'c1' },
		]);
		assert.deepEqual(
			chat.tools.map(t => t.name),
			['f', 'g'],
		);
	});

	it('reads an Anthropic request body: system, thinking, tool_use, tool_result, images', () => {
		const chat = parseChatJson({
			model: 'claude-sonnet-4-5',
			system: [
				{ type: 'text', text: 'S1' },
				{ type: 'text', text: 'S2' },
			],
			thinking: { type: 'enabled', budget_tokens: 1024 },
			tools: [{ name: 't', description: 'd', input_schema: { type: 'object' } }],
			messages: [
				{ role: 'user', content: 'q' },
				{
					role: 'assistant',
					content: [
						{ type: 'thinking', thinking: 'hm', signature: 'sig' },
						{ type: 'text', text: 'ok' },
						{ type: 'tool_use', id: 'u1', name: 't', input: { a: 1 } },
					],
				},
				{
					role: 'user',
					content: [
						{
							type: 'tool_result',
							tool_use_id: 'u1',
							content: [
								{ type: 'text', text: 'R' },
								{ type: 'image', source: {} },
							],
						},
						{ type: 'text', text: 'next' },
					],
				},
			],
		})!;
		assert.equal(chat.shape, 'anthropic');
		assert.equal(chat.thinking, true);
		assert.equal(chat.uncountedParts, 1);
		assert.deepEqual(chat.messages, [
			{ role: 'system', content: 'S1\nS2' },
			{ role: 'user', content: 'q' },
			{ role: 'assistant', content: 'hmok', toolCalls: [{ id: 'u1', name: 't', arguments: '{"a":1}' }] },
			{ role: 'tool', content: 'R', toolCallId: 'u1' },
			{ role: 'user', content: 'next' },
		]);
		assert.deepEqual(chat.tools, [{ name: 't', description: 'd', parameters: { type: 'object' } }]);
	});

	it('returns undefined for JSON that is not a chat', () => {
		for (const v of [null, 42, 'text', [], {}, { messages: [] }, { messages: [{ content: 'no role' }] }, [1, 2], { interactions: [] }]) assert.equal(parseChatJson(v), undefined, JSON.stringify(v));
		assert.equal(parseChatJson([{ role: 'user', content: 'hi' }])?.messages.length, 1);
	});
});
