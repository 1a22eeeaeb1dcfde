import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../../../src/core/ports/clock';
import { attachmentAllowanceTokens, countCallInput, parseCallRequest, type CallRequest } from '../../../../src/core/gateway/callRequest';
import { classifyTarget, parseGatewayPath } from '../../../../src/core/gateway/gatewayRoutes';
import { RecordedInputs } from '../../../../src/core/gateway/recordedInput';
import { rewriteRequest, sentTranscript } from '../../../../src/core/gateway/requestRewrite';
import { agentOf, RunGrouper, sessionOf } from '../../../../src/core/gateway/runGrouping';
import { wireError, wireErrorEvent } from '../../../../src/core/gateway/wireErrors';
import type { CallProtocol } from '../../../../src/core/gateway/gatewayRoutes';
import { callPrompts } from '../../../../src/core/transcripts/callPrompts';
import { TranscriptBuilder } from '../../../../src/core/transcripts/importSupport';
import { wordCounter } from '../../../support/policyFakes';

function parsed(protocol: CallProtocol, body: unknown): CallRequest {
	const r = parseCallRequest(protocol, JSON.stringify(body));
	if (!r.ok) throw new Error(r.message);
	return r.request;
}

const anthropicBody = {
	model: 'claude-sonnet-4-5',
	max_tokens: 4096,
	stream: true,
	system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
	tools: [{ name: 'bash', description: 'run', input_schema: { type: 'object' } }],
	messages: [
		{ role: 'user', content: 'list files' },
		{
			role: 'assistant',
			content: [
				{ type: 'thinking', thinking: 'ok', signature: 'sig' },
				{ type: 'tool_use', id: 't1', name: 'bash', input: { cmd: 'ls' } },
			],
		},
		{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt\nb.txt' }] },
		{
			role: 'user',
			content: [
				{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
				{ type: 'text', text: 'and this?' },
			],
		},
	],
};

describe('gateway: routes', () => {
	it('run and workspace prefixes in any order; the query stays for the provider', () => {
		const r = parseGatewayPath('/w/abc123/run/nightly-2025.01/v1/messages?beta=true');
		assert.ok(r.ok);
		assert.deepEqual(r.path, { upstreamPath: '/v1/messages?beta=true', pathname: '/v1/messages', runName: 'nightly-2025.01', workspaceKey: 'abc123' });
		const plain = parseGatewayPath('/v1/chat/completions');
		assert.ok(plain.ok && plain.path.runName === undefined && plain.path.upstreamPath === '/v1/chat/completions');
	});

	it('refuses run names that cannot be a file name, and doubled prefixes, with a reason', () => {
		for (const bad of ['/run/../v1/messages', '/run/%2e%2e/v1/messages', '/run/a%2Fb/v1/x', '/run/x/run/y/v1/messages', '/run/%E0%A4%A/v1', 'v1/messages']) {
			const r = parseGatewayPath(bad);
			assert.equal(r.ok, false, bad);
		}
	});

	it('classifies endpoints; models and unknown paths by the client’s headers', () => {
		const none = () => undefined;
		const anthropicHeaders = (n: string) => (n === 'anthropic-version' ? '2023-06-01' : undefined);
		assert.deepEqual(classifyTarget('POST', '/v1/messages', none), { provider: 'anthropic', endpoint: 'messages', protocol: 'anthropicMessages' });
		assert.deepEqual(classifyTarget('POST', '/v1/messages/count_tokens', none), { provider: 'anthropic', endpoint: 'countTokens' });
		assert.deepEqual(classifyTarget('POST', '/v1/chat/completions', none), { provider: 'openai', endpoint: 'chat', protocol: 'openaiChat' });
		assert.deepEqual(classifyTarget('POST', '/v1/responses/', none), { provider: 'openai', endpoint: 'responses', protocol: 'openaiResponses' });
		assert.deepEqual(classifyTarget('GET', '/v1/models', anthropicHeaders), { provider: 'anthropic', endpoint: 'models' });
		assert.deepEqual(classifyTarget('GET', '/v1/models', none), { provider: 'openai', endpoint: 'models' });
		assert.deepEqual(classifyTarget('POST', '/v1/files', none), { provider: 'openai', endpoint: 'other' });
	});

	it('wire errors are each provider’s own error JSON; a budget refusal is a 400 agents do not retry', () => {
		const a = wireError('anthropic', 'budget', 'no money left');
		assert.equal(a.status, 400);
		assert.deepEqual(JSON.parse(a.body), { type: 'error', error: { type: 'invalid_request_error', message: 'Agent Cost gateway: no money left' } });
		const o = wireError('openai', 'upstreamTimeout', 'silent');
		assert.equal(o.status, 504);
		assert.deepEqual(JSON.parse(o.body), { error: { message: 'Agent Cost gateway: silent', type: 'server_error', param: null, code: 'upstream_timeout' } });
		assert.match(wireErrorEvent('anthropic', 'anthropicMessages', 'upstreamCut', 'x'), /^event: error\ndata: \{"type":"error"/);
		assert.match(wireErrorEvent('openai', 'openaiChat', 'upstreamCut', 'x'), /^data: \{"error":/);
	});
});

describe('gateway: request bodies', () => {
	it('Anthropic: system, tool calls and results linked, output limit, params, attachments', () => {
		const r = parsed('anthropicMessages', anthropicBody);
		assert.equal(r.model, 'claude-sonnet-4-5');
		assert.equal(r.stream, true);
		assert.equal(r.maxOutputTokens, 4096);
		assert.deepEqual(
			r.sources.map(s => (s.kind === 'entry' ? s.index : s.kind)),
			['system', 0, 1, 2, 3],
		);
		assert.deepEqual(
			r.messages.map(m => [m.role, m.toolCallIds ?? m.toolResultIds ?? null]),
			[
				['system', null],
				['user', null],
				['assistant', ['t1']],
				['user', ['t1']],
				['user', null],
			],
		);
		assert.match(r.messages[2].content, /bash/, 'tool calls are part of the engine’s content (they are billed as prompt)');
		assert.equal(r.attachments, 1);
		assert.deepEqual(
			r.tools?.map(t => t.name),
			['bash'],
		);
		const c = countCallInput(wordCounter, r.model, r);
		assert.equal(c.exact, false, 'an image makes the count an estimate');
		assert.equal(c.tokens, wordCounter.countChat(r.model, r.messages, r.tools).tokens + attachmentAllowanceTokens);
	});

	it('OpenAI: max_completion_tokens wins over max_tokens; Responses: instructions, string input, max_output_tokens', () => {
		const chat = parsed('openaiChat', {
			model: 'gpt-4o',
			max_tokens: 10,
			max_completion_tokens: 20,
			stream: true,
			stream_options: { include_usage: true },
			messages: [{ role: 'user', content: 'hi' }],
			temperature: 0.2,
			seed: 7,
		});
		assert.equal(chat.maxOutputTokens, 20);
		assert.equal(chat.streamUsage, true);
		assert.deepEqual(chat.params, { temperature: 0.2, maxOutputTokens: 20, seed: 7 });
		const resp = parsed('openaiResponses', { model: 'gpt-5', instructions: 'be brief', input: 'hello', max_output_tokens: 300, reasoning: { effort: 'low' } });
		assert.deepEqual(
			resp.messages.map(m => [m.role, m.content]),
			[
				['system', 'be brief'],
				['user', 'hello'],
			],
		);
		assert.equal(resp.maxOutputTokens, 300);
		assert.equal(resp.params.reasoningEffort, 'low');
	});

	it('bodies of the wrong shape are refusals with a reason, never exceptions (fuzz)', () => {
		for (const [protocol, text, why] of [
			['anthropicMessages', '{', /not valid JSON/],
			['openaiChat', '[]', /JSON object/],
			['openaiChat', '{"messages":[]}', /names no model/],
			['anthropicMessages', '{"model":"m","messages":{}}', /"messages" must be an array/],
			['openaiResponses', '{"model":"m","input":5}', /"input"/],
		] as const) {
			const r = parseCallRequest(protocol, text);
			assert.ok(!r.ok && why.test(r.message), `${text}: ${JSON.stringify(r)}`);
		}
		fc.assert(
			fc.property(fc.constantFrom<CallProtocol>('anthropicMessages', 'openaiChat', 'openaiResponses'), fc.oneof(fc.json(), fc.string()), (protocol, text) => {
				const r = parseCallRequest(protocol, text);
				if (r.ok) assert.ok(countCallInput(wordCounter, r.request.model.trim() || 'x', r.request).tokens >= 0);
			}),
			{ numRuns: 500 },
		);
	});
});

describe('gateway: enforce-mode rewrites', () => {
	it('unchanged model and messages: no rewrite (the agent’s bytes are forwarded)', () => {
		const r = parsed('anthropicMessages', anthropicBody);
		assert.equal(rewriteRequest(r, r.model, r.messages), undefined);
	});

	it('kept entries are copied as sent (cache_control, thinking signatures); dropped, inserted and truncated ones are changed', () => {
		const r = parsed('anthropicMessages', anthropicBody);
		const truncated = { ...r.messages[3], content: 'a.txt …' };
		const marker = { role: 'user', content: '[2 earlier messages omitted]', compression: { kind: 'marker' as const, replaces: 2 } };
		const plan = [r.messages[0], marker, r.messages[2], truncated, r.messages[4]];
		const w = rewriteRequest(r, 'claude-haiku-4-5', plan);
		assert.ok(w);
		const body = JSON.parse(w.body);
		assert.equal(body.model, 'claude-haiku-4-5');
		assert.deepEqual(body.system, anthropicBody.system);
		assert.deepEqual(body.messages, [
			{ role: 'user', content: '[2 earlier messages omitted]' },
			anthropicBody.messages[1],
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt …' }] },
			anthropicBody.messages[3],
		]);
		assert.deepEqual(w.changes, ['model claude-sonnet-4-5 → claude-haiku-4-5', '1 message dropped', '1 summary or marker inserted', '1 tool output truncated']);
		assert.deepEqual(
			sentTranscript(r, plan).map(m => m.content),
			[r.transcript[0].content, '[2 earlier messages omitted]', r.transcript[2].content, 'a.txt …', r.transcript[4].content],
		);
	});

	it('OpenAI chat and Responses: tool outputs truncated in their own fields, markers as user turns', () => {
		const chat = parsed('openaiChat', {
			model: 'gpt-4o',
			messages: [
				{ role: 'system', content: 's' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: 'long output' },
			],
		});
		const w = rewriteRequest(chat, chat.model, [chat.messages[0], chat.messages[1], { ...chat.messages[2], content: 'short' }]);
		assert.deepEqual(JSON.parse(w!.body).messages[2], { role: 'tool', tool_call_id: 'c1', content: 'short' });
		const resp = parsed('openaiResponses', {
			model: 'gpt-5',
			input: [
				{ type: 'message', role: 'user', content: 'go' },
				{ type: 'function_call', call_id: 'c2', name: 'shell', arguments: '{}' },
				{ type: 'function_call_output', call_id: 'c2', output: 'very long' },
			],
		});
		const marker = { role: 'user', content: 'summary', compression: { kind: 'summary' as const, replaces: 1 } };
		const w2 = rewriteRequest(resp, resp.model, [marker, resp.messages[1], { ...resp.messages[2], content: 'cut' }]);
		assert.deepEqual(JSON.parse(w2!.body).input, [
			{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'summary' }] },
			{ type: 'function_call', call_id: 'c2', name: 'shell', arguments: '{}' },
			{ type: 'function_call_output', call_id: 'c2', output: 'cut' },
		]);
	});
});

describe('gateway: runs', () => {
	it('a URL-named run wins over the agent’s session; sessions group; otherwise a gap of inactivity starts a new run', () => {
		const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
		const g = new RunGrouper(clock, 60_000);
		const claude = agentOf('claude-cli/2.1.328 (external, sdk-cli)');
		assert.equal(claude.family, 'claude-code');
		const named = g.assign({ workspace: '', pathRun: 'nightly', session: 's1', agent: claude });
		assert.deepEqual([named.runId, named.source, named.created], ['nightly', 'path', true]);
		const s1 = g.assign({ workspace: '', session: 's1', agent: claude });
		assert.deepEqual([s1.runId, s1.source, s1.created], ['claude-code-s1', 'session', true]);
		assert.equal(g.assign({ workspace: '', session: 's1', agent: claude }).created, false);
		const sdk = agentOf('OpenAI/JS 6.30.1');
		const first = g.assign({ workspace: 'w', agent: sdk });
		clock.advance(30_000);
		assert.equal(g.assign({ workspace: 'w', agent: sdk }).runId, first.runId, 'within the gap: same run');
		clock.advance(61_000);
		const next = g.assign({ workspace: 'w', agent: sdk });
		assert.notEqual(next.runId, first.runId);
		assert.equal(next.created, true);
		assert.match(next.runId, /^openai-sdk-20260301-1001/);
		g.idleMs = 1000;
		clock.advance(2000);
		assert.notEqual(g.assign({ workspace: 'w', agent: sdk }).runId, next.runId, 'a shorter gap set at run time applies at once');
	});

	it('reads the session ids Claude Code and Codex send, and rejects ids unfit for a file name', () => {
		const h = (m: Record<string, string>) => (n: string) => m[n];
		assert.equal(sessionOf(h({ 'x-claude-code-session-id': '6a2a8db1-3098' })), '6a2a8db1-3098');
		assert.equal(sessionOf(h({ 'x-codex-turn-metadata': JSON.stringify({ session_id: '01a2-55' }) })), '01a2-55');
		assert.equal(sessionOf(h({ 'session-id': '../../etc' })), undefined);
		assert.equal(sessionOf(h({ 'x-codex-turn-metadata': '{not json' })), undefined);
	});

	it('recorded prompts are deltas along a thread where the agent resent its history, and expand back to the full prompts', () => {
		const inputs = new RecordedInputs();
		const sys = { role: 'system', content: 'S' };
		const u1 = { role: 'user', content: 'do it' };
		const p1 = [sys, u1];
		const a = inputs.place(p1, [{ name: 'bash' }]);
		assert.equal(a.input.kind, 'full');
		inputs.answered(a.thread, a.keys, { text: 'calling', toolCalls: [{ id: 't1', name: 'bash', arguments: '{}' }] });
		const p2 = [sys, u1, { role: 'assistant', content: 'calling' }, { role: 'tool', content: 'ok', toolResultIds: ['t1'] }];
		const b = inputs.place(p2, [{ name: 'bash' }]);
		assert.deepEqual([b.thread, b.input.kind, b.input.messages.length, b.input.tools], ['main', 'delta', 1, undefined]);
		inputs.answered(b.thread, b.keys, { text: 'done', toolCalls: [] });
		const side = inputs.place([{ role: 'user', content: 'title for this chat?' }], undefined);
		assert.deepEqual([side.thread, side.input.kind], ['thread-2', 'full']);
		// The importer's expansion gives back each full prompt.
		const tb = new TranscriptBuilder('agent-cost-recording', { file: 'x', counter: wordCounter });
		const usage = { input: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 };
		tb.addCall({
			model: 'm',
			modelSource: 'recorded',
			thread: a.thread,
			input: a.input,
			output: { text: 'calling', toolCalls: [{ id: 't1', name: 'bash', arguments: '{}' }] },
			usage,
			usageSource: 'recorded',
			usageExact: true,
		});
		tb.addCall({ model: 'm', modelSource: 'recorded', thread: b.thread, input: b.input, output: { text: 'done', toolCalls: [] }, usage, usageSource: 'recorded', usageExact: true });
		const prompts = [...callPrompts(tb.finish({}))].map(p => p.messages.map(m => `${m.role}:${m.content}`));
		assert.deepEqual(prompts[1], ['system:S', 'user:do it', 'assistant:calling', 'tool:ok']);
	});
});
