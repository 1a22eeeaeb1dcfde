import * as assert from 'node:assert/strict';
import type { GatewayRunSummary, GatewaySnapshot } from '../../../src/core/gateway/gatewaySnapshot';
import { agentEnvironment, gatewayRunDescription, gatewayStatusView } from '../../../src/extension/gateway/gatewayText';

const run = (over: Partial<GatewayRunSummary> = {}): GatewayRunSummary => ({
	runId: 'claude-code-6a2a8db1',
	label: 'claude-code 6a2a8db1',
	source: 'session',
	agent: 'claude-code',
	startedAt: '2026-03-01T10:00:00.000Z',
	lastAt: '2026-03-01T10:05:00.000Z',
	calls: 12,
	inFlight: 0,
	refused: 0,
	errors: 0,
	cacheHits: 0,
	inputTokens: 45_000,
	outputTokens: 210,
	costUsd: 0.43,
	estimated: false,
	unpricedCalls: 0,
	decisions: 0,
	budget: { kind: 'ok', policy: 'hard', spent: 0.43, reserved: 0, limit: 0.5, ratio: 0.86, warnThreshold: 0.9, steps: { used: 12, max: 20 }, daily: { spent: 1.2, reserved: 0, limit: 5 } },
	...over,
});

const snapshot = (runs: GatewayRunSummary[]): GatewaySnapshot => ({
	v: 1,
	url: 'http://127.0.0.1:4100',
	mode: 'observe',
	pid: 1,
	startedAt: '',
	version: '0.1.0',
	runs,
	...(runs[0] && { liveRunId: runs[0].runId }),
});

describe('gateway texts', () => {
	it('the live run in the status bar: calls, spent / run limit; warning from the warn threshold, error when exceeded', () => {
		const v = gatewayStatusView(snapshot([run()]));
		assert.equal(v?.text, '$(pulse) run 12 calls · $0.430 / $0.500');
		assert.equal(v?.severity, 'ok');
		assert.equal(gatewayStatusView(snapshot([run({ budget: { ...run().budget!, ratio: 0.95 } })]))?.severity, 'warning');
		assert.equal(gatewayStatusView(snapshot([run({ budget: { ...run().budget!, kind: 'exceeded', ratio: 1.2 } })]))?.severity, 'error');
		assert.equal(gatewayStatusView(snapshot([run({ calls: 1, budget: undefined, estimated: true })]))?.text, '$(pulse) run 1 call · ≈$0.430');
		assert.match(gatewayStatusView(snapshot([run()]))?.tooltip ?? '', /Run budget: \$0\.430 spent, \$0\.00 reserved of \$0\.500 · steps 12 of 20 · daily \$1\.20 of \$5\.00 · hard/);
	});

	it('an idle gateway and an unreachable one', () => {
		assert.equal(gatewayStatusView(snapshot([]))?.text, '$(pulse) gateway');
		assert.equal(gatewayStatusView(undefined), undefined);
		assert.equal(gatewayStatusView(undefined, 'connection refused')?.severity, 'warning');
	});

	it('a run row in the Spend view', () => {
		assert.equal(gatewayRunDescription(run({ refused: 1, decisions: 2, inFlight: 1 })), '12 calls · 45,210 tok · $0.430 · 1 in flight · 1 refused · 2 decisions');
	});

	it('the agent environment points into the workspace, with the placeholder key only when keys are injected', () => {
		const e = agentEnvironment('http://127.0.0.1:4100', 'abc123def0', { anthropic: true, openai: false });
		assert.deepEqual(e.env, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4100/w/abc123def0', OPENAI_BASE_URL: 'http://127.0.0.1:4100/w/abc123def0/v1', ANTHROPIC_API_KEY: 'agent-cost-gateway' });
		assert.match(e.text, /^export ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:4100\/w\/abc123def0$/m);
		assert.match(e.text, /wire_api = "responses"/);
		assert.equal(agentEnvironment('http://127.0.0.1:4100', undefined, { anthropic: false, openai: false }).env.OPENAI_BASE_URL, 'http://127.0.0.1:4100/v1');
	});
});
