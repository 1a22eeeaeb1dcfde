import * as assert from 'node:assert/strict';
import { budgetStatus } from '../../../src/core/budget/budgetGuard';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import type { CompressPreview, LiveAnswer, LiveFailure, LiveRefusal } from '../../../src/core/jobs/liveJobs';
import {
	answerMarkdown,
	callLogLine,
	compressQuestion,
	compressTitle,
	downgradeMessage,
	failureMessage,
	nothingToSaveMessage,
	spendStatusView,
	thresholdWarning,
} from '../../../src/extension/live/liveText';

const budget = (s: Record<string, unknown> = {}) => parseEngineConfig(Object.fromEntries(Object.entries(s).map(([k, v]) => [`agentCost.budget.${k}`, v]))).config.budget;
const nano = (usd: number) => Math.round(usd * 1e9);
const status = (spent: number, reserved = 0, b = budget()) =>
	budgetStatus({ run: { spentNano: 0, reservedNano: 0, steps: 0 }, daily: { spentNano: nano(spent), reservedNano: nano(reserved) } }, b, '2025-03-04');

const answer = (over: Partial<LiveAnswer> = {}): LiveAnswer => ({
	kind: 'answered',
	runId: 'run-1',
	status: status(0.42),
	recordingFile: '/ws/.agent-cost/recordings/live-2025-03-04.agent-cost.jsonl',
	explanation: [
		{ stage: 'routing', rule: 'simple.verb', text: 'simple task ("classify") in 12 words' },
		{ stage: 'routing', rule: 'route.model', text: 'cheap → gpt-4o-mini' },
		{ stage: 'cache', rule: 'cache.miss', text: 'not in the response cache' },
		{ stage: 'budget', rule: 'budget.reserved', text: 'reserved up to $0.0013' },
	],
	budgetEvents: [],
	latencyMs: 1234,
	source: 'provider',
	model: 'gpt-4o-mini',
	provider: 'openai',
	routedModel: 'gpt-4o-mini',
	tier: 'cheap',
	text: 'The answer.',
	finishReason: 'stop',
	usage: { input: 1200, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 48, reasoning: 0 },
	costUsd: 0.000209,
	estimated: false,
	attempts: [{ model: 'gpt-4o-mini', retry: 0, outcome: 'ok', waitedMs: 0 }],
	...over,
});

describe('live-call texts (status bar, log, notifications, answer document)', () => {
	it('the status bar shows today against the daily budget, with the warning and error backgrounds', () => {
		const b = budget();
		assert.deepEqual([spendStatusView(status(0.42), b).text, spendStatusView(status(0.42), b).severity], ['$(credit-card) $0.420 / $5.00', 'ok']);
		assert.equal(spendStatusView(status(3.9, 0.1), b).severity, 'warning', 'spent + reserved at 80%');
		assert.equal(spendStatusView(status(3.9), b).severity, 'ok', '78%');
		assert.equal(spendStatusView(status(5), b).severity, 'error');
		assert.equal(spendStatusView(status(0.00003), b).text, '$(credit-card) <$0.001 / $5.00', 'a tiny spend never reads as $0.00');
		const noLimit = budget({ dailyUsd: 0 });
		assert.deepEqual([spendStatusView(status(7, 0, noLimit), noLimit).text, spendStatusView(status(7, 0, noLimit), noLimit).severity], ['$(credit-card) $7.00 today', 'ok']);
		const off = budget({ enabled: false });
		assert.equal(spendStatusView(status(9, 0, off), off).severity, 'ok');
		assert.match(spendStatusView(status(9, 0, off), off).tooltip, /Budgets are off/);
		const t = spendStatusView(status(0.42, 0.01), b, { at: 0, text: 'gpt-4o-mini · $0.0002' }).tooltip;
		assert.match(t, /\$0\.420 spent \+ \$0\.010 reserved by calls in flight of the \$5\.00 daily budget \(9%; warning at 80%\)/);
		assert.match(t, /Run budget: \$0\.500 per run · max steps: 20 · policy: hard/);
		assert.match(t, /Last call: gpt-4o-mini · \$0\.0002/);
		assert.deepEqual(spendStatusView(undefined, b, undefined, 'Redis is not reachable').severity, 'warning');
		assert.equal(spendStatusView(undefined, b).text, '$(credit-card) … / $5.00');
	});

	it('the warning threshold message names the numbers (and says calls are refused past the limit)', () => {
		const b = budget();
		assert.equal(thresholdWarning(status(3), b), undefined);
		assert.equal(thresholdWarning(status(4.2), b), "Agent Cost: today's spend $4.20 has passed 84% of the $5.00 daily budget (warning at 80%).");
		assert.match(thresholdWarning(status(5.5), b)!, /reached 110% .*; calls are refused until the next budget day\.$/);
		assert.match(thresholdWarning(status(5.5, 0, budget({ policy: 'warn' })), budget({ policy: 'warn' }))!, /still allowed \(warn-only policy\)/);
	});

	it('one log line per call: model, tokens, cost, latency, tier — and never the prompt or the answer', () => {
		const line = callLogLine(answer(), 'code-review.prompt');
		assert.equal(line, 'call code-review.prompt: gpt-4o-mini ok · 1,200 in / 48 out tokens · <$0.001 · 1.2 s · cheap tier');
		assert.ok(!line.includes('The answer.'));
		assert.match(callLogLine(answer({ estimated: true, costUsd: 0.0123, downgradedFrom: 'gpt-4o' }), 'p'), /≈1,200 in \/ ≈48 out tokens · ≈\$0\.012 · 1\.2 s · cheap tier \(downgraded from gpt-4o\)/);
		assert.match(callLogLine(answer({ source: 'exactCache', usage: undefined, costUsd: undefined }), 'p'), /gpt-4o-mini exactCache · cached, 0 tokens billed · \$0\.00 \(cache hit\)/);
		// Side calls are named next to the answer's own cost (a semantic hit still paid for its embedding).
		assert.match(
			callLogLine(
				answer({ source: 'semanticCache', usage: undefined, costUsd: undefined, otherCharges: [{ purpose: 'embedding', model: 'text-embedding-3-small', costUsd: 0.0000004, estimated: false }] }),
				'p',
			),
			/\$0\.00 \(cache hit\) \+ <\$0\.001 embedding \(text-embedding-3-small\)/,
		);
		assert.match(
			callLogLine(
				answer({
					otherCharges: [
						{ purpose: 'summary', model: 'gpt-4o-mini', costUsd: 0.0021, estimated: true },
						{ purpose: 'failedAttempt', model: 'gpt-4o', estimated: true },
					],
				}),
				'p',
			),
			/<\$0\.001 \+ ≈\$0\.002 summary \(gpt-4o-mini\) \+ no price failed attempt \(gpt-4o\)/,
		);
		const refused: LiveRefusal = {
			kind: 'refused',
			runId: 'r',
			status: status(5),
			recordingFile: '',
			explanation: [],
			budgetEvents: [],
			latencyMs: 2,
			reason: 'daily',
			model: 'gpt-4o',
			message: 'A call to gpt-4o could cost up to $0.02, but …',
		};
		assert.equal(callLogLine(refused, 'p'), 'call p: gpt-4o refused (daily) · A call to gpt-4o could cost up to $0.02, but …');
	});

	it('failure messages: a missing key says how to set one; a rejected key and other reasons say what happened', () => {
		const f = (over: Partial<LiveFailure>) => failureMessage({ reason: 'auth', message: 'OpenAI rejected the API key (401): Incorrect API key provided: [redacted]', model: 'gpt-4o', ...over });
		assert.match(f({ keyMissing: 'anthropic', model: 'claude-opus-4-6' }), /^No Anthropic API key is set \(needed for claude-opus-4-6\)\. Run "Agent Cost: Set API Key…"/);
		assert.match(f({}), /^The provider rejected the API key for gpt-4o: OpenAI rejected/);
		assert.equal(f({ reason: 'timeout', message: 'OpenAI did not answer within 30 s (model gpt-4o).' }), 'The call to gpt-4o failed (timeout): OpenAI did not answer within 30 s (model gpt-4o).');
	});

	it('a soft downgrade is announced with its reason', () => {
		assert.equal(downgradeMessage(answer()), undefined);
		const a = answer({
			downgradedFrom: 'claude-opus-4-6',
			explanation: [
				{ stage: 'budget', rule: 'budget.refused.run', text: 'A call to claude-opus-4-6 could cost up to $0.0600, but the run budget has $0.0020 left' },
				{ stage: 'budget', rule: 'budget.downgraded', text: 'soft budget: downgraded claude-opus-4-6 → gpt-4o-mini' },
			],
		});
		assert.equal(
			downgradeMessage(a),
			'Agent Cost downgraded this call from claude-opus-4-6 to gpt-4o-mini because a call to claude-opus-4-6 could cost up to $0.0600, but the run budget has $0.0020 left',
		);
	});

	it('the answer document: a header with model, tokens, cost, routing, cache and budget, then the answer', () => {
		const md = answerMarkdown({ source: 'code-review.prompt', text: 'The answer.', result: answer() });
		assert.equal(
			md,
			[
				'# Answer: code-review.prompt',
				'',
				'> **Model** gpt-4o-mini (OpenAI) · **Tokens** 1,200 in / 48 out tokens · **Cost** <$0.001 · **Latency** 1.2 s',
				'>',
				'> **Routing** cheap tier → gpt-4o-mini: simple task ("classify") in 12 words',
				'>',
				'> **Cache** not in the response cache',
				'>',
				'> **Budget** reserved up to $0.0013',
				'>',
				'> **Today** $0.420 of $5.00 · recorded in `/ws/.agent-cost/recordings/live-2025-03-04.agent-cost.jsonl`',
				'',
				'---',
				'',
				'The answer.',
				'',
			].join('\n'),
		);
		assert.match(answerMarkdown({ source: 'p', model: 'gpt-4o', text: 'partial' }), /^# Running: p\n\n> Streaming from \*\*gpt-4o\*\*…/);
		assert.match(answerMarkdown({ source: 'p', text: 'partial', stopped: 'Cancelled; only what was billed is charged.' }), /^# Stopped: p[\s\S]*partial\n$/);
	});

	it('the Compress Prompt title: tokens and dollars (per 1,000 calls) before → after', () => {
		const p: CompressPreview = {
			kind: 'compressed',
			strategy: 'lossless',
			text: 'x',
			model: 'gpt-4o',
			tokensBefore: 400,
			tokensAfter: 300,
			exact: true,
			usdBefore: 0.001,
			usdAfter: 0.00075,
			changes: [],
			verdict: 'saves',
		};
		assert.equal(compressTitle('code-review.prompt', p), 'code-review.prompt ↔ lossless: 400 → 300 tokens sent (−25%) · $1.00 → $0.750 per 1,000 calls (gpt-4o)');
		assert.equal(compressTitle('a', { ...p, exact: false, usdBefore: null, usdAfter: null, model: 'local' }), 'a ↔ lossless: ≈400 → ≈300 tokens sent (−25%) · no price for local (local)');
		const nothing = nothingToSaveMessage('x.messages.json', { ...p, tokensAfter: 400, verdict: 'unchanged', note: 'Nothing to save: the JSON layout is not sent.' });
		assert.equal(nothing, 'Agent Cost: x.messages.json (lossless) — Nothing to save: the JSON layout is not sent. It sends 400 tokens to gpt-4o.');
		// A summary served from the semantic cache still paid for its embedding: the question says so.
		const q = compressQuestion('a', {
			...p,
			strategy: 'summarize',
			summaryCall: { model: 'gpt-4o-mini', estimated: false, source: 'semanticCache', otherCharges: [{ purpose: 'embedding', model: 'text-embedding-3-small', costUsd: 0.0002, estimated: false }] },
		});
		assert.match(q, /The summary call to gpt-4o-mini cost \$0\.00 \(cache hit\) \+ <\$0\.001 embedding \(text-embedding-3-small\)\./);
	});
});
