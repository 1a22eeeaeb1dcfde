import * as assert from 'node:assert/strict';
import { AgentMetrics, metricsFromCalls, type CallMetricRecord } from '../../../../src/core/metrics/agentMetrics';
import { MetricsRegistry } from '../../../../src/core/metrics/registry';
import { fromAnthropicUsage, fromOpenAIChatUsage, uncachedInput } from '../../../../src/core/pricing/usage';
import { parsePrometheusText, sampleValue } from '../../../support/prometheusText';

describe('metrics registry: Prometheus text exposition', () => {
	it('renders counters, gauges and histograms that a strict parser reads back exactly', () => {
		const r = new MetricsRegistry();
		const c = r.counter('demo_requests_total', 'Requests.\nSecond line with a \\ backslash.', ['path', 'code']);
		const g = r.gauge('demo_spend_usd', 'Spend today.', ['scope']);
		const h = r.histogram('demo_latency_seconds', 'Latency.', ['path'], [0.1, 0.5, 1]);
		c.inc({ path: '/a"b\\c\nd', code: '200' }, 3);
		c.inc({ path: '/x', code: '500' });
		c.inc({ path: '/x', code: '500' }, 0.5);
		g.set({ scope: 'day' }, 1.25e-7);
		for (const v of [0.05, 0.1, 0.3, 0.9, 5]) h.observe({ path: '/x' }, v);

		const parsed = parsePrometheusText(r.render());
		assert.equal(parsed.get('demo_requests_total')?.type, 'counter');
		assert.equal(parsed.get('demo_requests_total')?.help, 'Requests.\nSecond line with a \\ backslash.');
		assert.equal(sampleValue(parsed, 'demo_requests_total', { path: '/a"b\\c\nd', code: '200' }), 3, 'label values round-trip through escaping');
		assert.equal(sampleValue(parsed, 'demo_requests_total', { path: '/x', code: '500' }), 1.5);
		assert.equal(sampleValue(parsed, 'demo_spend_usd', { scope: 'day' }), 1.25e-7);
		assert.deepEqual(
			['0.1', '0.5', '1', '+Inf'].map(le => sampleValue(parsed, 'demo_latency_seconds_bucket', { path: '/x', le })),
			[2, 3, 4, 5],
		);
		assert.equal(sampleValue(parsed, 'demo_latency_seconds_count', { path: '/x' }), 5);
		assert.ok(Math.abs(sampleValue(parsed, 'demo_latency_seconds_sum', { path: '/x' })! - 6.35) < 1e-9);
	});

	it('declares HELP and TYPE even for families without samples, and output is deterministic', () => {
		const make = (order: string[]) => {
			const r = new MetricsRegistry();
			const c = r.counter('x_total', 'X.', ['k']);
			r.counter('empty_total', 'Nothing yet.');
			for (const k of order) c.inc({ k });
			return r.render();
		};
		const a = make(['b', 'a', 'c']);
		assert.equal(a, make(['c', 'b', 'a']));
		assert.match(a, /# HELP empty_total Nothing yet\.\n# TYPE empty_total counter\n/);
		assert.ok(a.indexOf('k="a"') < a.indexOf('k="b"'));
		assert.equal(parsePrometheusText(a).get('empty_total')?.samples.length, 0);
	});

	it('refuses invalid names, wrong label sets, shrinking counters and twice-registered families', () => {
		const r = new MetricsRegistry();
		assert.throws(() => r.counter('bad-name', 'x'), /invalid metric name/);
		assert.throws(() => r.counter('ok_total', 'x', ['__reserved']), /invalid label name/);
		assert.throws(() => r.histogram('h', 'x', ['le'], [1]), /reserved/);
		assert.throws(() => r.histogram('h2', 'x', [], [1, 1]), /strictly increasing/);
		const c = r.counter('c_total', 'x', ['a']);
		assert.throws(() => c.inc({ b: '1' }), /expected labels \{a\}/);
		assert.throws(() => c.inc({ a: '1' }, -1), /non-negative/);
		assert.throws(() => c.inc({ a: '1' }, NaN), /non-negative/);
		assert.throws(() => r.counter('c_total', 'again'), /registered twice/);
	});

	it('the strict test parser itself rejects broken expositions (self-check)', () => {
		assert.throws(() => parsePrometheusText('x 1\n'), /no TYPE/);
		assert.throws(() => parsePrometheusText('# TYPE x counter\nx{a="\\q"} 1\n'), /bad escape/);
		assert.throws(() => parsePrometheusText('# TYPE x counter\nx 1'), /newline/);
		assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), /cumulative/);
	});
});

describe('AgentMetrics', () => {
	const openaiCall: CallMetricRecord = {
		model: 'gpt-4o',
		usage: fromOpenAIChatUsage({ prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 600 }, completion_tokens_details: { reasoning_tokens: 50 } }),
		costUsd: 0.0035,
		status: 'ok',
		durationMs: 1800,
	};
	const claudeCall: CallMetricRecord = {
		model: 'claude-opus-4-6',
		usage: fromAnthropicUsage({ input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 }),
		costUsd: 0.0512,
		status: 'ok',
		durationMs: 7200,
	};

	it('counts cost by model, tokens by non-overlapping direction, calls by status and durations', () => {
		const m = metricsFromCalls(
			[
				openaiCall,
				openaiCall,
				claudeCall,
				{ model: 'gpt-4o', status: 'cacheHit', durationMs: 3 },
				{ model: 'claude-opus-4-6', status: 'refused', durationMs: 0 },
				{ model: 'gpt-4o', status: 'rateLimit', durationMs: 40 },
			],
			[{ startMs: 0, endMs: 95_000 }],
		);
		const p = parsePrometheusText(m.render());
		assert.ok(Math.abs(sampleValue(p, 'agent_cost_usd_total', { model: 'gpt-4o' })! - 0.007) < 1e-12);
		assert.equal(sampleValue(p, 'agent_cost_usd_total', { model: 'claude-opus-4-6' }), 0.0512);
		const tok = (model: string, direction: string) => sampleValue(p, 'agent_cost_tokens_total', { model, direction });
		assert.deepEqual(
			['input', 'cache_read', 'cache_write', 'output'].map(d => tok('gpt-4o', d)),
			[800, 1200, 0, 400],
		);
		assert.deepEqual(
			['input', 'cache_read', 'cache_write', 'output'].map(d => tok('claude-opus-4-6', d)),
			[100, 5000, 2000, 300],
		);
		// The directions add up to every token of the calls.
		const claudeTotal = claudeCall.usage!.input + claudeCall.usage!.output;
		assert.equal(
			['input', 'cache_read', 'cache_write', 'output'].reduce((s, d) => s + tok('claude-opus-4-6', d)!, 0),
			claudeTotal,
		);
		assert.equal(uncachedInput(openaiCall.usage!), 400);
		assert.equal(sampleValue(p, 'agent_cost_reasoning_tokens_total', { model: 'gpt-4o' }), 100);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o', status: 'ok' }), 2);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o', status: 'cache_hit' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o', status: 'rate_limit' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'claude-opus-4-6', status: 'budget_refused' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_call_duration_seconds_count', { model: 'gpt-4o' }), 4);
		assert.equal(sampleValue(p, 'agent_cost_call_duration_seconds_bucket', { model: 'claude-opus-4-6', le: '5' }), 1, 'the 0 s refused call');
		assert.equal(sampleValue(p, 'agent_cost_call_duration_seconds_bucket', { model: 'claude-opus-4-6', le: '10' }), 2);
		assert.equal(sampleValue(p, 'agent_cost_run_duration_seconds_bucket', { le: '60' }), 0);
		assert.equal(sampleValue(p, 'agent_cost_run_duration_seconds_bucket', { le: '120' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_run_duration_seconds_sum'), 95);
	});

	it('a call with usage but no price is counted as unpriced, never added as $0', () => {
		const m = new AgentMetrics();
		m.recordCall({ model: 'my-local-llama', usage: fromOpenAIChatUsage({ prompt_tokens: 50, completion_tokens: 5 }), status: 'ok', durationMs: 100 });
		const p = parsePrometheusText(m.render());
		assert.equal(sampleValue(p, 'agent_cost_usd_total', { model: 'my-local-llama' }), undefined);
		assert.equal(sampleValue(p, 'agent_cost_unpriced_calls_total', { model: 'my-local-llama' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'my-local-llama', direction: 'input' }), 50);
	});

	it('budget events by kind and scope; snapshot() carries the same numbers as the text', () => {
		const m = new AgentMetrics();
		m.recordBudgetEvent('warn', 'day');
		m.recordBudgetEvent('refused', 'run');
		m.recordBudgetEvent('refused', 'run');
		const p = parsePrometheusText(m.render());
		assert.equal(sampleValue(p, 'agent_cost_budget_events_total', { kind: 'refused', scope: 'run' }), 2);
		assert.equal(sampleValue(p, 'agent_cost_budget_events_total', { kind: 'warn', scope: 'day' }), 1);
		const snap = m.snapshot().find(f => f.name === 'agent_cost_budget_events_total');
		assert.deepEqual(snap?.samples, [
			{ name: 'agent_cost_budget_events_total', labels: { kind: 'refused', scope: 'run' }, value: 2 },
			{ name: 'agent_cost_budget_events_total', labels: { kind: 'warn', scope: 'day' }, value: 1 },
		]);
		for (const f of m.snapshot()) if (f.type === 'counter') assert.match(f.name, /_total$/, 'counters end in _total');
	});

	it('garbage numbers in a record (negative, NaN) never corrupt the counters', () => {
		const m = new AgentMetrics();
		m.recordCall({ model: 'x', usage: { input: -5, cacheRead: NaN, cacheWrite5m: 0, cacheWrite1h: 0, output: 3, reasoning: 0 }, costUsd: -1, status: 'ok', durationMs: NaN });
		const p = parsePrometheusText(m.render());
		assert.equal(sampleValue(p, 'agent_cost_usd_total', { model: 'x' }), 0);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'x', direction: 'output' }), 3);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'x', direction: 'cache_read' }), 0);
	});
});
