import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import type { JobContext } from '../../../src/core/jobs/jobProtocol';
import { CancelledError } from '../../../src/core/lib/errors';
import { isKeyRequest, LiveJobError, type LiveJobs, type LivePaths, type LiveRunResult } from '../../../src/core/jobs/liveJobs';
import type { ProviderId } from '../../../src/core/ports/llmTransport';
import { asRecordedScenario } from '../../../src/core/replay/scenario';
import { parseRecording } from '../../../src/core/transcripts/recording';
import { createLiveJobHandlers } from '../../../src/node/engineJobs/liveJobs';
import { counter } from '../../../src/node/liveRuntime';
import { startFakeProviderServer, type FakeProviderServer } from '../../support/fakeProviderServer';
import { parsePrometheusText, sampleValue } from '../../support/prometheusText';
import { startRedis } from '../../support/redisServer';
import { transcriptsDir } from '../../support/paths';

type Handlers = ReturnType<typeof createLiveJobHandlers>;

/** Keys that must never show up in any output: unique, with a recognizable middle and tail. */
const canary = {
	openai: 'sk-proj-LIVEJOBCANARYopenai7f3k2m9q1w8e5r4tQZ7',
	anthropic: 'sk-ant-api03-LIVEJOBCANARYanthropic6y2u8i0pQZ8',
	wrong: 'sk-proj-LIVEJOBCANARYwrongkey4h6j8k0l2z9x7cQZ9',
};
const fragments = (k: string) => [k, k.slice(8, 30), k.slice(-10)];

function walk(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap(n => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? walk(p) : [p];
	});
}

describe('live jobs (engine worker handlers) against the fake provider', function () {
	this.timeout(30_000);
	let server: FakeProviderServer;
	let root: string;
	let paths: LivePaths;
	let h: Handlers;
	/** Everything the handlers produced: results, progress (minus key requests), for the canary search. */
	let outputs: unknown[];
	let keys: Partial<Record<ProviderId | 'redis', string>>;

	const config = (settings: Record<string, unknown> = {}) => {
		const { config, problems } = parseEngineConfig({
			'agentCost.providers.openai.baseUrl': server.openaiBaseUrl,
			'agentCost.providers.anthropic.baseUrl': server.anthropicBaseUrl,
			'agentCost.compression.strategy': 'none',
			...settings,
		});
		assert.deepEqual(
			problems.filter(p => p.severity === 'error'),
			[],
		);
		return config;
	};

	async function run<K extends keyof LiveJobs & string>(job: K, params: LiveJobs[K]['params'], signal?: AbortSignal): Promise<{ result: LiveJobs[K]['result']; progress: unknown[] }> {
		const progress: unknown[] = [];
		const ctx: JobContext<unknown> = {
			signal: signal ?? new AbortController().signal,
			progress: p => {
				if (isKeyRequest(p))
					setImmediate(() => void h.handlers['live/key']({ requestId: p.requestId, key: keys[p.provider] ?? null }, { signal: new AbortController().signal, progress: () => undefined }));
				else progress.push(p);
			},
		};
		const handler = h.handlers[job] as unknown as (p: unknown, c: JobContext<unknown>) => Promise<LiveJobs[K]['result']>;
		const result = await handler(params, ctx);
		outputs.push(result, progress);
		return { result, progress };
	}

	const ask = (content: string, extra: Partial<LiveJobs['live/run']['params']> = {}, settings: Record<string, unknown> = {}): LiveJobs['live/run']['params'] => ({
		config: config(settings),
		paths,
		messages: [{ role: 'user', content }],
		pinnedModel: 'gpt-4o-mini',
		maxOutputTokens: 200,
		...extra,
	});

	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: canary.openai, anthropic: canary.anthropic } });
	});
	after(() => server.close());
	beforeEach(() => {
		server.reset();
		root = mkdtempSync(join(tmpdir(), 'live-jobs-'));
		paths = { ledgerDir: join(root, 'global', 'ledger'), cacheDir: join(root, 'workspace', 'cache'), recordingsDir: join(root, 'ws', '.agent-cost', 'recordings') };
		h = createLiveJobHandlers({ agent: 'test', redisConnectTimeoutMs: 1000 });
		outputs = [];
		keys = { openai: canary.openai, anthropic: canary.anthropic };
	});
	afterEach(async () => {
		await h.dispose();
		rmSync(root, { recursive: true, force: true });
	});

	it("live/run streams the answer, settles the cost, records it and reports today's spend", async () => {
		server.enqueue({ type: 'reply', text: 'Forty-two, streamed in pieces.', usage: { input: 1000, output: 100 }, chunkChars: 5 });
		const { result, progress } = await run('live/run', ask('What is six times seven?'));
		assert.equal(result.kind, 'answered');
		if (result.kind !== 'answered') return;
		assert.equal(result.text, 'Forty-two, streamed in pieces.');
		assert.equal(result.model, 'gpt-4o-mini');
		assert.equal(result.tier, 'cheap', 'a pinned tier model reports its tier');
		assert.equal(result.source, 'provider');
		// gpt-4o-mini: $0.15 / $0.60 per million tokens.
		assert.ok(Math.abs(result.costUsd! - (1000 * 0.15 + 100 * 0.6) / 1e6) < 1e-9, String(result.costUsd));
		assert.ok(Math.abs(result.status.daily.spent - result.costUsd!) < 1e-8, 'the daily budget holds the cost');
		assert.equal(result.status.daily.reserved, 0);
		const texts = progress.filter((p): p is { type: 'text'; text: string } => (p as { type: string }).type === 'text');
		assert.ok(texts.length > 1, 'streamed in several chunks');
		assert.equal(texts.map(t => t.text).join(''), result.text);
		assert.equal((progress[0] as { type: string }).type, 'plan');

		// The recording is the product's format, in a git-ignored folder, readable by the importer.
		assert.equal(result.recordingFile.startsWith(paths.recordingsDir), true);
		assert.match(result.recordingFile, /live-\d{4}-\d{2}-\d{2}\.agent-cost\.jsonl$/);
		assert.equal(readFileSync(join(paths.recordingsDir, '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
		const t = parseRecording(readFileSync(result.recordingFile, 'utf8'), { file: result.recordingFile, counter });
		assert.equal(t.calls.length, 1);
		assert.equal(t.calls[0].output?.text, result.text);
		assert.equal(t.calls[0].recordedCostUsd, result.costUsd);
		// The ledger lives in its own (global) folder.
		assert.ok(readdirSync(paths.ledgerDir).some(f => /^spend-.*\.jsonl$/.test(f)));

		const status = await run('live/status', { config: config(), paths });
		assert.ok(Math.abs(status.result.daily.spent - result.costUsd!) < 1e-8);
		assert.equal(status.result.daily.limit, 5);
	});

	it('recordings follow agentCost.recordings.mode: metadata keeps numbers without text, off writes nothing; the .gitignore is ensured in a folder that already existed', async () => {
		// A folder that exists without a .gitignore (a clone, an earlier version) gets one on the next write.
		mkdirSync(paths.recordingsDir, { recursive: true });
		server.enqueue({ type: 'reply', text: 'SECRET-ANSWER-TEXT', usage: { input: 1000, output: 100 } });
		const meta = await run('live/run', ask('SECRET-PROMPT-TEXT please', {}, { 'agentCost.recordings.mode': 'metadata' }));
		assert.equal(meta.result.kind, 'answered');
		assert.equal(readFileSync(join(paths.recordingsDir, '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
		const text = readFileSync(meta.result.recordingFile, 'utf8');
		assert.ok(!text.includes('SECRET-PROMPT-TEXT') && !text.includes('SECRET-ANSWER-TEXT'), text);
		const t = parseRecording(text, { file: meta.result.recordingFile, counter });
		assert.equal(t.calls.length, 1);
		assert.deepEqual(t.calls[0].usage, { input: 1000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 100, reasoning: 0 });
		assert.ok(t.calls[0].recordedCostUsd! > 0);
		const before = text.length;
		server.enqueue({ type: 'reply', text: 'another answer', usage: { input: 10, output: 10 } });
		const off = await run('live/run', ask('not recorded', {}, { 'agentCost.recordings.mode': 'off' }));
		assert.equal(off.result.kind, 'answered');
		assert.equal(readFileSync(meta.result.recordingFile, 'utf8').length, before, 'nothing appended with mode off');
		// The budget still counts the call that was not recorded.
		assert.ok(off.result.status.daily.spent > meta.result.status.daily.spent);
	});

	it('an identical request is served from the cache at no cost, also after the worker restarted', async () => {
		server.enqueue({ type: 'reply', text: 'cached answer', usage: { input: 10, output: 3 } });
		const first = await run('live/run', ask('Same question twice'));
		assert.equal(first.result.kind === 'answered' && first.result.source, 'provider');
		await h.dispose();
		h = createLiveJobHandlers({ agent: 'test' }); // a new worker: caches come back from the cache folder
		const second = await run('live/run', ask('Same question twice'));
		assert.equal(second.result.kind, 'answered');
		if (second.result.kind !== 'answered') return;
		assert.equal(second.result.source, 'exactCache');
		assert.equal(second.result.text, 'cached answer');
		assert.equal(second.result.costUsd, undefined);
		assert.equal(server.requests.length, 1, 'the provider was called once');
		const spend = await run('live/spend', { config: config(), paths });
		assert.deepEqual(
			spend.result.byModel.map(m => [m.model, m.calls, m.cacheHits]),
			[['gpt-4o-mini', 2, 1]],
		);
	});

	it('semantic cache with OpenAI embeddings (settings): one paid embedding per request, charged and recorded; a similar request is served from the cache', async () => {
		const semantic = { 'agentCost.cache.semanticEnabled': true, 'agentCost.embeddings.provider': 'openai', 'agentCost.cache.similarityThreshold': 0.9 };
		server.enqueue({ type: 'reply', text: 'Use slicing: xs[::-1] for lists.', usage: { input: 30, output: 12 } });
		const first = await run('live/run', ask('How do I reverse a list in Python?', {}, semantic));
		assert.ok(first.result.kind === 'answered' && first.result.source === 'provider');
		assert.deepEqual(
			server.requests.map(r => r.endpoint),
			['embeddings', 'chat'],
		);
		assert.equal(server.requests[0].headers.authorization, `Bearer ${canary.openai}`);
		assert.equal((server.requests[0].body as { model: string }).model, 'text-embedding-3-small');
		const emb1 = first.result.otherCharges?.find(c => c.purpose === 'embedding');
		assert.ok(emb1 && emb1.model === 'text-embedding-3-small' && emb1.costUsd! > 0, JSON.stringify(first.result.otherCharges));

		const second = await run('live/run', ask('how do I reverse a list in python', {}, semantic));
		assert.ok(second.result.kind === 'answered' && second.result.source === 'semanticCache');
		assert.equal(second.result.text, 'Use slicing: xs[::-1] for lists.');
		assert.deepEqual(
			server.requests.map(r => r.endpoint),
			['embeddings', 'chat', 'embeddings'],
			'no second chat call',
		);
		const emb2 = second.result.otherCharges?.find(c => c.purpose === 'embedding');
		assert.ok(emb2 && emb2.costUsd! > 0, 'the hit paid for its embedding');
		// The budget holds the chat call and both embeddings, and so does the recording.
		const spent = second.result.status.daily.spent;
		assert.ok(Math.abs(spent - (first.result.costUsd! + emb1.costUsd! + emb2.costUsd!)) < 1e-9, `spent ${spent}`);
		const t = parseRecording(readFileSync(second.result.recordingFile, 'utf8'), { file: second.result.recordingFile, counter });
		const recorded = t.calls.reduce((sum, c) => sum + (c.recordedCostUsd ?? 0), 0);
		assert.ok(Math.abs(recorded - spent) < 1e-9, `recorded ${recorded} vs spent ${spent}`);
		assert.equal(t.calls.filter(c => c.model === 'text-embedding-3-small').length, 2);

		// A failing embeddings endpoint skips the semantic cache; the question is still answered.
		server.enqueue({ type: 'error', status: 500 }, { endpoint: 'embeddings' });
		server.enqueue({ type: 'reply', text: 'Use reversed().', usage: { input: 30, output: 4 } }, { endpoint: 'chat' });
		const third = await run('live/run', ask('Which built-in reverses an iterator in Python?', {}, semantic));
		assert.ok(third.result.kind === 'answered' && third.result.source === 'provider' && third.result.text === 'Use reversed().');
		assert.ok(third.result.explanation.some(x => x.rule === 'cache.embeddingFailed'));
		assert.equal(third.result.otherCharges, undefined, 'an HTTP 500 is not billed');

		// A call the budget refuses after its embedding was paid for: the recording still adds up.
		const spentBefore = third.result.status.daily.spent;
		const refused = await run('live/run', ask('What does functools.lru_cache do?', {}, { ...semantic, 'agentCost.budget.dailyUsd': spentBefore + 0.00005 }));
		assert.equal(refused.result.kind, 'refused');
		const lines = readFileSync(second.result.recordingFile, 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as { type: string; kind?: string; purpose?: string });
		assert.deepEqual(
			lines.slice(-3).map(l => l.purpose ?? l.kind ?? (l as { status?: string }).status),
			['embedding', 'refused', 'budgetRefused'],
		);
		const all = parseRecording(readFileSync(second.result.recordingFile, 'utf8'), { file: second.result.recordingFile, counter });
		const recordedAll = all.calls.reduce((sum, c) => sum + (c.recordedCostUsd ?? 0), 0);
		assert.ok(refused.result.status.daily.spent > spentBefore, 'the embedding was charged');
		assert.ok(Math.abs(recordedAll - refused.result.status.daily.spent) < 1e-9, `recorded ${recordedAll} vs spent ${refused.result.status.daily.spent}`);
	});

	it('a hard budget refuses the call with the numbers; the refusal is recorded and listed', async () => {
		const { result } = await run('live/run', ask('Anything', {}, { 'agentCost.budget.dailyUsd': 0.00001 }));
		assert.equal(result.kind, 'refused');
		if (result.kind !== 'refused') return;
		assert.equal(result.reason, 'daily');
		assert.equal(result.model, 'gpt-4o-mini');
		assert.match(result.message, /daily budget \(agentCost\.budget\.dailyUsd\) has \$0\.000010 left of \$0\.000010/);
		assert.ok(result.details && result.details.requested > result.details.limit);
		assert.equal(server.requests.length, 0, 'nothing reached the provider');
		const spend = await run('live/spend', { config: config(), paths });
		assert.equal(spend.result.events.length, 1);
		assert.equal(spend.result.events[0].kind, 'refused');
		assert.equal(spend.result.events[0].message, result.message);
	});

	it('settings apply to the next job without a restart (a lower daily limit refuses at once)', async () => {
		server.enqueue({ type: 'reply', text: 'ok', usage: { input: 100_000, output: 1000 } });
		const a = await run('live/run', ask('first'));
		assert.equal(a.result.kind, 'answered');
		const b = await run('live/run', ask('second', {}, { 'agentCost.budget.dailyUsd': 0.01 }));
		assert.equal(b.result.kind, 'refused');
		assert.equal(b.result.status.kind, 'exceeded');
		assert.equal(b.result.status.daily.limit, 0.01);
	});

	it('a soft budget downgrades to a cheaper tier and says why; the downgrade is recorded', async () => {
		// Routed to the expensive tier (two complex markers), but the run budget only covers the cheap one.
		const prompt = 'Design the system architecture and compare and contrast the trade-offs.';
		server.enqueue({ type: 'reply', text: 'cheap but fine', usage: { input: 30, output: 10 } });
		const { result } = await run('live/run', ask(prompt, { pinnedModel: undefined, maxOutputTokens: 1000 }, { 'agentCost.budget.policy': 'soft', 'agentCost.budget.runUsd': 0.002 }));
		assert.equal(result.kind, 'answered');
		if (result.kind !== 'answered') return;
		assert.equal(result.routedModel, 'claude-opus-4-6');
		assert.equal(result.downgradedFrom, 'claude-opus-4-6');
		assert.equal(result.model, 'gpt-4o-mini');
		const downgrade = result.budgetEvents.find(e => e.kind === 'downgrade');
		assert.ok(downgrade, JSON.stringify(result.budgetEvents));
		assert.match(downgrade.message, /claude-opus-4-6 → gpt-4o-mini.*because: .*run budget/);
		const spend = await run('live/spend', { config: config(), paths });
		assert.ok(spend.result.events.some(e => e.kind === 'downgrade' && e.message === downgrade.message));
	});

	it('a missing key is a failed call that names the provider; nothing is charged', async () => {
		keys = {};
		const { result } = await run('live/run', ask('hello'));
		assert.equal(result.kind, 'failed');
		if (result.kind !== 'failed') return;
		assert.equal(result.keyMissing, 'openai');
		assert.equal(result.reason, 'auth');
		assert.match(result.message, /No OpenAI API key is set/);
		assert.equal(result.status.daily.spent, 0);
		assert.equal(result.status.daily.reserved, 0);
	});

	it('cancellation aborts the provider call and is recorded as cancelled', async () => {
		server.enqueue({ type: 'reply', text: 'x'.repeat(400), chunkChars: 4, chunkDelayMs: 30 });
		const ac = new AbortController();
		const pending = run('live/run', ask('long answer please'), ac.signal);
		await server.waitFor(r => r.endpoint === 'chat');
		setTimeout(() => ac.abort(), 100);
		await assert.rejects(pending, (e: unknown) => CancelledError.is(e));
		const file = walk(paths.recordingsDir).find(f => f.endsWith('.agent-cost.jsonl'))!;
		const t = parseRecording(readFileSync(file, 'utf8'), { file, counter });
		assert.equal(t.calls[0].status, 'cancelled');
	});

	it('compress/prompt: lossless and lossy offline, with the tokens sent and dollars before → after', async () => {
		const text = 'Please   note that this is a very important prompt.\n\n\n\nReturn   the JSON:\n```json\n{ "a": 1,  "b": [1, 2] }\n```\n';
		const base = { config: config(), paths, text, format: 'text' as const, model: 'gpt-4o' };
		const lossless = await run('compress/prompt', { ...base, strategy: 'lossless' });
		assert.equal(lossless.result.kind, 'compressed');
		if (lossless.result.kind !== 'compressed') return;
		assert.equal(lossless.result.verdict, 'saves');
		assert.ok(lossless.result.tokensAfter < lossless.result.tokensBefore);
		assert.equal(lossless.result.exact, true);
		// gpt-4o input: $2.50 per million tokens.
		assert.ok(Math.abs(lossless.result.usdBefore! - lossless.result.tokensBefore * 2.5e-6) < 1e-12);
		assert.ok(lossless.result.usdAfter! < lossless.result.usdBefore!);
		assert.ok(lossless.result.text.includes('{"a":1,"b":[1,2]}'));
		const lossy = await run('compress/prompt', { ...base, strategy: 'lossy', targetRatio: 0.5 });
		assert.ok(lossy.result.kind === 'compressed' && lossy.result.tokensAfter < lossless.result.tokensAfter);
		assert.ok(lossy.result.kind === 'compressed' && lossy.result.text.startsWith('This is an important prompt.'), JSON.stringify(lossy.result));
		const unpriced = await run('compress/prompt', { ...base, strategy: 'lossless', model: 'my-local-model' });
		assert.ok(unpriced.result.kind === 'compressed' && unpriced.result.usdBefore === null && unpriced.result.exact === false);
		// A selection: only that range is compressed and returned.
		const start = text.indexOf('Return');
		const selected = await run('compress/prompt', { ...base, strategy: 'lossless', range: { start, end: text.length } });
		assert.ok(selected.result.kind === 'compressed' && selected.result.text.startsWith('Return the JSON:'), JSON.stringify(selected.result));
		// Nothing to save: a chat file's layout is not sent.
		const chat = JSON.stringify([{ role: 'user', content: 'Hi.' }], null, 4);
		const same = await run('compress/prompt', { ...base, text: chat, format: 'chat', strategy: 'lossless' });
		assert.ok(same.result.kind === 'compressed' && same.result.verdict === 'unchanged' && same.result.text === chat && /re-serialized/.test(same.result.note ?? ''));
		assert.equal(server.requests.length, 0, 'offline strategies make no call');
		assert.equal(existsSync(paths.ledgerDir), false, 'offline strategies open no ledger');
	});

	it('compress/prompt summarize: a budgeted, recorded call to the cheap tier on the body only', async () => {
		server.enqueue({ type: 'reply', text: 'Short prompt.', usage: { input: 80, output: 4 } }, { model: 'gpt-4o-mini' });
		const body = 'I would like you to please write, if at all possible, a very short prompt that is short.';
		const text = `---\nmodel: gpt-4o\n---\n${body}\n`;
		const { result } = await run('compress/prompt', { config: config(), paths, strategy: 'summarize', text, format: 'text', model: 'gpt-4o' });
		assert.equal(result.kind, 'compressed');
		if (result.kind !== 'compressed') return;
		assert.equal(result.verdict, 'saves');
		assert.equal(result.text, '---\nmodel: gpt-4o\n---\nShort prompt.\n', 'front matter and trailing newline kept');
		assert.equal(result.summaryCall?.model, 'gpt-4o-mini');
		assert.ok(result.summaryCall?.costUsd !== undefined && result.summaryCall.costUsd > 0);
		assert.ok(Math.abs(result.status!.daily.spent - result.summaryCall.costUsd) < 1e-8);
		const req = server.requests[0].body as { messages: { role: string; content: string }[] };
		assert.equal(req.messages[1].content, `${body}\n`, 'only the body is sent to the model');
		// A chat or Prompty file would not survive a rewrite: refused before any call.
		await assert.rejects(run('compress/prompt', { config: config(), paths, strategy: 'summarize', text: '[{"role":"user","content":"x"}]', format: 'chat', model: 'gpt-4o' }), (e: unknown) =>
			/Summarize rewrites the body of a text prompt/.test((e as Error).message),
		);
		assert.equal(server.requests.length, 1);
	});

	it('live/probe: the shadow probe of a replay scenario, keys from the host, charged to the ledger, recorded in the day’s recording', async () => {
		const file = join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json');
		const scenario = { ...asRecordedScenario(config()), name: 'mini', routing: { ...asRecordedScenario(config()).routing, mode: 'fixed' as const, model: 'gpt-4o-mini' } };
		const { result, progress } = await run('live/probe', { config: config(), paths, path: file, scenario, sample: 3, maxUsd: 0.05 });
		assert.equal(result.sent, 3);
		assert.deepEqual(Object.keys(result.byTier), ['cheap'], 'gpt-4o-mini is the default cheap tier');
		assert.ok(result.steps.every(s => s.model === 'gpt-4o-mini' && (s.status === 'agreed' || s.status === 'disagreed')));
		assert.ok(result.costUsd > 0 && result.costUsd <= 0.05);
		assert.deepEqual(progress.at(-1), { type: 'probe', done: 3, total: 3 });
		assert.ok(
			server.requests.every(r => r.headers.authorization === `Bearer ${canary.openai}`),
			'the key came from the host',
		);
		const text = readFileSync(result.recordingFile, 'utf8');
		assert.equal(parseRecording(text, { file: result.recordingFile, counter }).calls.length, 3, 'recorded like any live call');
		assert.match(text, /"runId":"probe-[0-9a-z]+-[0-9a-f]{6}"/);
		const status = await run('live/status', { config: config(), paths });
		assert.ok(Math.abs(status.result.daily.spent - result.costUsd) < 1e-8, 'the daily budget counts the probe');

		await assert.rejects(
			run('live/probe', { config: config(), paths, path: file, scenario: { ...scenario, routing: { ...scenario.routing, model: 'gpt-4o-mnii' } }, sample: 1, maxUsd: 0.05 }),
			(e: unknown) => LiveJobError.is(e, 'unknownModel') && /gpt-4o-mini/.test((e as Error).message),
		);
	});

	it("tokens/countExact asks Anthropic's countTokens (Claude only)", async () => {
		server.enqueue({ type: 'countTokens', inputTokens: 1234 });
		const { result } = await run('tokens/countExact', { config: config(), model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'count me' }] });
		assert.deepEqual(result, { model: 'claude-opus-4-6', tokens: 1234, exact: true });
		assert.equal(server.requests[0].endpoint, 'countTokens');
		await assert.rejects(run('tokens/countExact', { config: config(), model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => LiveJobError.is(e, 'notClaude'));
	});

	it('metrics/configure serves the call metrics on 127.0.0.1 and stops on disable', async () => {
		server.enqueue({ type: 'reply', text: 'ok', usage: { input: 10, output: 2 } });
		await run('live/run', ask('count me in the metrics'));
		const on = await run('metrics/configure', { enabled: true, port: 0 });
		assert.match(on.result.url!, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
		const p = parsePrometheusText(await (await fetch(on.result.url!)).text());
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'ok' }), 1);
		const off = await run('metrics/configure', { enabled: false, port: 0 });
		assert.deepEqual(off.result, { enabled: false });
		await assert.rejects(fetch(on.result.url!));
	});

	it('an unreachable Redis stops live calls with a clear error instead of a silent local ledger', async () => {
		await assert.rejects(
			run('live/status', { config: config({ 'agentCost.store.redisUrl': 'redis://127.0.0.1:1/0' }), paths }),
			(e: unknown) => LiveJobError.is(e, 'storeUnavailable') && /127\.0\.0\.1:1.*not reachable/.test((e as Error).message),
		);
		assert.equal(existsSync(paths.ledgerDir), false, 'no local ledger was created as a fallback');
	});

	it('a Redis that requires a password: refused with a clear hint without one, used with the one from the secret store', async () => {
		const redis = await startRedis({ password: 'redis-canary-Secret-123' });
		try {
			const shared = config({ 'agentCost.store.redisUrl': redis.url });
			await assert.rejects(
				run('live/status', { config: shared, paths }),
				(e: unknown) => LiveJobError.is(e, 'storeUnavailable') && /requires a password.*Set API Key/.test((e as Error).message) && !/redis-canary/.test((e as Error).message),
			);
			keys = { ...keys, redis: 'wrong' };
			await assert.rejects(run('live/status', { config: shared, paths }), (e: unknown) => LiveJobError.is(e, 'storeUnavailable') && /password was refused/.test((e as Error).message));
			keys = { ...keys, redis: 'redis-canary-Secret-123' };
			const status = await run('live/status', { config: shared, paths });
			assert.equal(status.result.kind, 'ok');
			assert.equal(existsSync(paths.ledgerDir), false, 'the shared store was used, not a local ledger');
			// A changed password is asked for again once the host says the credentials changed.
			keys = { ...keys, redis: 'rotated-away' };
			assert.equal((await run('live/status', { config: shared, paths })).result.kind, 'ok', 'the open connection is reused until then');
			await run('live/credentialsChanged', {});
			await assert.rejects(run('live/status', { config: shared, paths }), (e: unknown) => LiveJobError.is(e, 'storeUnavailable') && /password was refused/.test((e as Error).message));
		} finally {
			await redis.stop();
		}
	});

	it('canary: no key reaches any output (recordings, ledger, caches, results, progress, metrics, errors)', async () => {
		const serverWithOtherKey = await startFakeProviderServer({ keys: { openai: 'sk-proj-theRealOneIsNotTheCanary0000' } });
		try {
			// 1. an answered call and a cache hit, 2. a budget refusal, 3. a summarize compression, 4. an exact count.
			server.enqueue({ type: 'reply', text: 'fine', usage: { input: 10, output: 2 } });
			await run('live/run', ask('canary one'));
			await run('live/run', ask('canary one'));
			await run('live/run', ask('canary two', {}, { 'agentCost.budget.runUsd': 0.0000001 }));
			server.enqueue({ type: 'reply', text: 'short' });
			await run('compress/prompt', { config: config(), paths, strategy: 'summarize', text: 'make me shorter please', format: 'text', model: 'gpt-4o' });
			await run('tokens/countExact', { config: config(), model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'x' }] });
			// 5. a wrong key: the server echoes a masked fragment of it in its 401.
			keys = { openai: canary.wrong };
			const wrong = await run('live/run', ask('canary three', {}, { 'agentCost.providers.openai.baseUrl': serverWithOtherKey.openaiBaseUrl }));
			assert.equal(wrong.result.kind, 'failed');
			assert.equal((wrong.result as Extract<LiveRunResult, { kind: 'failed' }>).reason, 'auth');
			// 6. a wrong key on the exact count (thrown error).
			keys = { anthropic: canary.wrong };
			const thrown = await run('tokens/countExact', { config: config(), model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
			outputs.push(String(thrown), JSON.stringify(thrown), (thrown as Error).stack);
			const metrics = await run('metrics/configure', { enabled: true, port: 0 });
			outputs.push(await (await fetch(metrics.result.url!)).text());
			await h.dispose();

			const files = walk(root);
			assert.ok(files.some(f => f.endsWith('.agent-cost.jsonl')) && files.some(f => f.includes('spend-')) && files.some(f => f.endsWith('response-cache.json')), files.join(', '));
			const texts = [...files.map(f => [f, readFileSync(f, 'utf8')] as const), ['outputs', JSON.stringify(outputs)] as const];
			for (const key of Object.values(canary)) {
				for (const fragment of fragments(key)) {
					for (const [where, text] of texts) assert.ok(!text.includes(fragment), `${fragment} found in ${where}`);
				}
			}
			assert.ok(
				serverWithOtherKey.requests.some(r => r.headers.authorization === `Bearer ${canary.wrong}`),
				'the wrong key was really sent',
			);
		} finally {
			await serverWithOtherKey.close();
		}
	});
});
