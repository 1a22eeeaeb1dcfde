import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import { ManualClock, seededRandom } from '../../../../src/core/ports/clock';
import { CancelledError } from '../../../../src/core/lib/errors';
import type { StepInfo } from '../../../../src/core/routing/classifier';
import { classifyComplexity } from '../../../../src/core/routing/classifier';
import { backoffDelay, callWithFallback, CircuitBreaker, FallbackExhaustedError, validJson } from '../../../../src/core/routing/fallback';
import { classifyFailure } from '../../../../src/core/providers/providerFailure';
import { parseRetryAfter } from '../../../../src/core/providers/retryAfter';
import { fallbackChain, routeRequest } from '../../../../src/core/routing/router';
import { words } from '../../../support/policyFakes';

const task = (text: string, extra: EngineMessage[] = [], step?: StepInfo) =>
	classifyComplexity({ messages: [{ role: 'system', content: 'You are an agent.' }, { role: 'user', content: text }, ...extra], step });

describe('complexity classifier: the reference examples', () => {
	const cases: [string, 'cheap' | 'medium' | 'expensive', string][] = [
		['Extract all email addresses from this text: contact bob@example.com or alice@example.org.', 'cheap', 'ref.simple'],
		['Classify this support ticket as bug, feature request or question: "The app crashes on login."', 'cheap', 'ref.simple'],
		['Format this date as ISO 8601: March 3rd, 2024.', 'cheap', 'ref.simple'],
		['Validate that this string is a UUID: 123e4567-e89b-12d3-a456-426614174000', 'cheap', 'ref.simple'],
		['List the planets of the solar system.', 'cheap', 'ref.simple'],
		['Count the words in this sentence.', 'cheap', 'ref.simple'],
		['Design a distributed system for a global chat service and explain the trade-offs between consistency and latency.', 'expensive', 'ref.complex'],
		['Write a creative short story with a novel twist about a lighthouse keeper.', 'expensive', 'ref.complex'],
		['Synthesize the findings across these five papers, then compare and contrast their methods.', 'expensive', 'ref.complex'],
		['Design the architecture of a payment platform; discuss the tradeoffs of event sourcing.', 'expensive', 'ref.complex'],
		['Explain how HTTP caching headers work.', 'medium', 'ref.default'],
		['Design a system for tracking inventory.', 'medium', 'ref.default'], // one marker only
		['What is the capital of France?', 'medium', 'ref.default'],
		[`Extract the names from this report: ${words(200, 'text')}`, 'medium', 'ref.default'], // simple verb but long
	];
	for (const [text, tier, rule] of cases) {
		it(`${tier.padEnd(9)} ← ${text.slice(0, 70)}`, () => {
			const d = task(text);
			assert.equal(d.tier, tier);
			assert.equal(d.reasons[0].rule, rule);
			assert.ok(d.reasons[0].text.length > 10);
		});
	}
	it('complex beats simple when both match', () => {
		assert.equal(task('List the trade-offs of a novel consensus protocol.').tier, 'expensive');
	});
});

describe('complexity classifier: agent-step features', () => {
	it('a failing tool result lifts a simple task to medium and says why', () => {
		const d = task('Count the lines in out.log', [
			{ role: 'assistant', content: 'wc -l out.log', toolCallIds: ['1'] },
			{ role: 'tool', content: 'wc: out.log: No such file or directory\nexit code 1', toolResultIds: ['1'] },
		]);
		assert.equal(d.tier, 'medium');
		assert.deepEqual(
			d.reasons.map(r => r.rule),
			['ref.simple', 'agent.toolError'],
		);
	});

	it('a successful tool result keeps a simple task cheap', () => {
		const d = task('Count the lines in out.log', [
			{ role: 'assistant', content: 'wc -l out.log', toolCallIds: ['1'] },
			{ role: 'tool', content: '42 out.log', toolResultIds: ['1'] },
		]);
		assert.equal(d.tier, 'cheap');
		assert.ok(d.reasons.some(r => r.rule === 'agent.toolData'));
	});

	it('code work needs at least medium; formatting code does not', () => {
		assert.equal(task('Fix the bug in this function:\n```ts\nconst f = (a) => a.lenght;\n```').tier, 'medium');
		assert.equal(task('Format this JSON:\n```json\n{"a":1}\n```').tier, 'cheap');
	});

	it('planning steps go one tier up, summarize steps go cheap, retries escalate', () => {
		assert.equal(task('Explain how HTTP caching headers work.', [], { role: 'plan' }).tier, 'expensive');
		assert.equal(task('Explain how HTTP caching headers work.', [], { role: 'summarize' }).tier, 'cheap');
		const r = task('Extract the totals as JSON.', [], { attempt: 1 });
		assert.equal(r.tier, 'medium');
		assert.ok(r.reasons.some(x => x.rule === 'agent.retry'));
		assert.equal(task('Extract the totals as JSON.', [], { attempt: 2, previousFailed: true, role: 'plan' }).tier, 'expensive');
	});

	it('long prompts and many tools need at least medium', () => {
		assert.equal(classifyComplexity({ messages: [{ role: 'user', content: 'List the files.' }], promptTokens: 50_000 }).tier, 'medium');
		const tools = Array.from({ length: 12 }, (_, i) => ({ name: `t${i}` }));
		assert.equal(classifyComplexity({ messages: [{ role: 'user', content: 'List the files.' }], tools }).tier, 'medium');
	});

	it('is deterministic and always explains itself (property)', () => {
		fc.assert(
			fc.property(fc.lorem({ maxCount: 80 }), fc.constantFrom(undefined, 'plan', 'act', 'summarize'), fc.nat(3), (text, role, attempt) => {
				const a = task(text, [], { role: role as StepInfo['role'], attempt });
				assert.deepEqual(task(text, [], { role: role as StepInfo['role'], attempt }), a);
				assert.ok(a.reasons.length >= 1);
			}),
		);
	});
});

describe('router', () => {
	const config = defaultEngineConfig();
	const classify = (text: string) => () => classifyComplexity({ messages: [{ role: 'user', content: text }] });
	it("tiered mode maps the classifier's tier to its model with an upward fallback chain", () => {
		const d = routeRequest({ complexity: classify('Classify: spam or not?') }, config);
		assert.equal(d.model, 'gpt-4o-mini');
		assert.deepEqual(d.fallbacks, ['gpt-4o', 'claude-opus-4-6']);
		assert.deepEqual(fallbackChain('expensive', config.tiers), ['claude-opus-4-6']);
		assert.deepEqual(fallbackChain('cheap', { cheap: 'x', medium: 'x', expensive: 'y' }), ['x', 'y']);
	});
	it('a pinned model wins in every mode; fixed and asRequested modes never ask the classifier', () => {
		const never = () => assert.fail('the classifier is asked only in tiered mode');
		for (const mode of ['tiered', 'fixed', 'asRequested'] as const) {
			const d = routeRequest({ requestedModel: 'claude-sonnet-4-5', pinned: true, complexity: mode === 'tiered' ? classify('x') : never }, { ...config, routing: { ...config.routing, mode } });
			assert.equal(d.model, 'claude-sonnet-4-5');
			assert.equal(d.tier, 'pinned');
		}
		const fixed = routeRequest({ requestedModel: 'gpt-4.1', complexity: never }, { ...config, routing: { ...config.routing, mode: 'fixed', model: '' } });
		assert.equal(fixed.model, 'gpt-4o', 'an empty fixed model is the medium tier');
		assert.equal(fixed.reasons[0]!.rule, 'route.fixed');
		const asked = routeRequest({ requestedModel: 'gpt-4.1', complexity: never }, { ...config, routing: { ...config.routing, mode: 'asRequested' } });
		assert.equal(asked.model, 'gpt-4.1');
		assert.equal(asked.tier, 'requested');
		assert.equal(routeRequest({ complexity: never }, { ...config, routing: { ...config.routing, mode: 'asRequested' } }).model, 'gpt-4o');
	});
});

describe('retries, fallbacks and the circuit breaker', () => {
	const http = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, headers });

	it('one parseRetryAfter reads every header shape the SDKs hand over', () => {
		assert.equal(classifyFailure(http(429, { 'retry-after': '2' })).retryAfterMs, 2000);
		assert.equal(classifyFailure(new CancelledError()).reason, 'cancelled');
		assert.equal(parseRetryAfter({ 'retry-after-ms': '150' }, 0), 150);
		assert.equal(parseRetryAfter(new Headers([['retry-after', 'Thu, 01 Jan 1970 00:00:10 GMT']]), 4000), 6000);
		assert.equal(
			parseRetryAfter(name => (name === 'retry-after' ? '-3' : null), 0),
			undefined,
		);
		assert.equal(parseRetryAfter({ 'retry-after': '99999999999' }, 0), undefined, 'absurd waits are garbage');
	});

	it('backoff is exponential with full jitter, capped, deterministic under a seed', () => {
		const seq = (seed: number) => [0, 1, 2, 3, 10].map(r => backoffDelay(r, { maxRetries: 5, baseMs: 100, maxMs: 1000 }, seededRandom(seed)));
		assert.deepEqual(seq(1), seq(1));
		for (const [i, d] of seq(2).entries()) assert.ok(d >= 0 && d <= Math.min(1000, 100 * 2 ** [0, 1, 2, 3, 10][i]));
		assert.equal(backoffDelay(0, { maxRetries: 1 }, seededRandom(1), 1234), 1234);
	});

	it('retries 429 honoring retry-after, then falls back on 5xx, then succeeds (worked example)', async () => {
		const clock = new ManualClock(0);
		const slept: number[] = [];
		const script: Record<string, (Error | string)[]> = { 'gpt-4o-mini': [http(429, { 'retry-after': '1' }), http(500), http(503)], 'gpt-4o': ['{"ok":true}'] };
		const r = await callWithFallback({
			models: ['gpt-4o-mini', 'gpt-4o', 'claude-opus-4-6'],
			call: async model => {
				const next = script[model].shift()!;
				if (next instanceof Error) throw next;
				return next;
			},
			validate: validJson,
			retry: { maxRetries: 2, baseMs: 100 },
			random: seededRandom(1),
			clock,
			sleep: async ms => {
				slept.push(ms);
				clock.advance(ms);
			},
		});
		assert.equal(r.model, 'gpt-4o');
		assert.equal(r.result, '{"ok":true}');
		assert.deepEqual(
			r.attempts.map(a => `${a.model}:${a.outcome}`),
			['gpt-4o-mini:rateLimit', 'gpt-4o-mini:server', 'gpt-4o-mini:server', 'gpt-4o:ok'],
		);
		assert.equal(slept[0], 1000);
		assert.equal(slept.length, 2);
	});

	it('an invalid response moves on to the next model and is reported with its result', async () => {
		const failed: string[] = [];
		const r = await callWithFallback({
			models: ['a', 'b'],
			call: async m => (m === 'a' ? 'not json' : '[1]'),
			validate: validJson,
			afterModelFailed: async (m, f, result) => void failed.push(`${m}:${f.reason}:${result}`),
			retry: { maxRetries: 0 },
			random: seededRandom(1),
			clock: new ManualClock(0),
			sleep: async () => {},
		});
		assert.equal(r.model, 'b');
		assert.deepEqual(failed, ['a:badResponse:not json']);
	});

	it('auth errors stop the chain; exhausting it says what happened to each model', async () => {
		const base = { retry: { maxRetries: 1 }, random: seededRandom(1), clock: new ManualClock(0), sleep: async () => {} };
		await assert.rejects(callWithFallback({ ...base, models: ['a', 'b'], call: async () => Promise.reject(http(401)) }), (e: unknown) => FallbackExhaustedError.is(e, 'auth'));
		await assert.rejects(
			callWithFallback({ ...base, models: ['a', 'b'], call: async () => Promise.reject(http(500)) }),
			(e: unknown) => FallbackExhaustedError.is(e, 'exhausted') && e.attempts.length === 4 && /a server/.test(e.message),
		);
	});

	it('a model that keeps failing cools down and is skipped until the cooldown ends', async () => {
		const clock = new ManualClock(0);
		const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000, clock });
		const calls: string[] = [];
		const run = () =>
			callWithFallback({
				models: ['a', 'b'],
				call: async m => {
					calls.push(m);
					if (m === 'a') throw http(503);
					return 'ok';
				},
				retry: { maxRetries: 0 },
				breaker,
				random: seededRandom(1),
				clock,
				sleep: async () => {},
			});
		await run();
		await run(); // second consecutive failure of a: breaker opens
		calls.length = 0;
		const r = await run();
		assert.deepEqual(calls, ['b']);
		assert.equal(r.attempts[0].outcome, 'skipped');
		clock.advance(60_000);
		calls.length = 0;
		await run();
		assert.deepEqual(calls, ['a', 'b']);
	});

	it('beforeModel can skip a model (budget) and cancellation stops everything', async () => {
		const base = { retry: { maxRetries: 3 }, random: seededRandom(1), clock: new ManualClock(0), sleep: async () => {} };
		const r = await callWithFallback({ ...base, models: ['dear', 'cheap'], beforeModel: async m => (m === 'dear' ? 'skip' : 'ok'), call: async m => m });
		assert.equal(r.result, 'cheap');
		const ac = new AbortController();
		ac.abort();
		await assert.rejects(callWithFallback({ ...base, models: ['a'], call: async () => 'x', signal: ac.signal }), (e: unknown) => CancelledError.is(e));
	});
});
