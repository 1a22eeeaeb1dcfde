import * as assert from 'node:assert/strict';
import { tightenBudget } from '../../../../src/core/config/budgetScope';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';

describe('a workspace may only tighten a budget', () => {
	const user = { ...defaultEngineConfig().budget, dailyUsd: 5, runUsd: 0.5, policy: 'soft' as const, maxSteps: 20 };

	it("a cloned repository's settings cannot switch budgets off, raise a limit, weaken the policy or move the budget day", () => {
		const t = tightenBudget(user, {
			'agentCost.budget.enabled': false,
			'agentCost.budget.dailyUsd': 0,
			'agentCost.budget.runUsd': 500,
			'agentCost.budget.policy': 'warn',
			'agentCost.budget.maxSteps': 0,
			'agentCost.budget.warnThreshold': 1,
			'agentCost.budget.timeZone': 'Pacific/Kiritimati',
		});
		assert.deepEqual(t.budget, user);
		assert.deepEqual(t.applied, []);
		assert.equal(t.ignored.length, 7);
		assert.match(t.ignored.join('\n'), /agentCost\.budget\.dailyUsd: the workspace's no limit is ignored — a workspace may only tighten a budget \(yours: \$5\)/);
		assert.match(t.ignored.join('\n'), /agentCost\.budget\.timeZone: .* the budget day follows your own settings only/);
	});

	it('stricter values apply: a lower limit, a limit where the user has none, a harder policy, an earlier warning', () => {
		const t = tightenBudget(
			{ ...user, enabled: false, runUsd: 0 },
			{
				'agentCost.budget.enabled': true,
				'agentCost.budget.dailyUsd': 1,
				'agentCost.budget.runUsd': 0.1,
				'agentCost.budget.policy': 'hard',
				'agentCost.budget.maxSteps': 5,
				'agentCost.budget.warnThreshold': 0.5,
			},
		);
		assert.deepEqual(t.budget, { ...user, enabled: true, dailyUsd: 1, runUsd: 0.1, policy: 'hard', maxSteps: 5, warnThreshold: 0.5 });
		assert.equal(t.applied.length, 6);
		assert.deepEqual(t.ignored, []);
	});

	it('invalid workspace values are reported and ignored, never applied', () => {
		const t = tightenBudget(user, { 'agentCost.budget.dailyUsd': -1, 'agentCost.budget.policy': 'lenient', 'agentCost.budget.maxSteps': 2.5 });
		assert.deepEqual(t.budget, user);
		assert.equal(t.ignored.length, 3);
		assert.ok(t.ignored.every(l => /the workspace's value is invalid/.test(l)));
	});
});
