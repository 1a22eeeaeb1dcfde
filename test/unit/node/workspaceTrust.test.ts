import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from '../../../src/core/config/defaults';
import { repoRoot } from '../../support/paths';

/** The lens's project settings: an untrusted workspace may still set which files are prompts, which model prices them and how the lens shows it. */
const projectSettings = ['agentCost.lens.promptGlobs', 'agentCost.lens.model', 'agentCost.lens.cost', 'agentCost.lens.attribution', 'agentCost.contextWindowMax'];

describe('workspace trust and virtual workspaces (manifest)', () => {
	const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));

	it('declares limited support in Restricted Mode and in virtual workspaces, each with what works', () => {
		assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
		assert.match(pkg.capabilities.untrustedWorkspaces.description, /counts tokens.*replays transcripts.*Live calls.*need a trusted workspace/);
		assert.equal(pkg.capabilities?.virtualWorkspaces?.supported, 'limited');
	});

	it('every setting is either user-scoped, restricted in Restricted Mode, or one of the lens project settings — a new setting must be classified', () => {
		const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
		for (const spec of settingsSchema) {
			const machine = (spec as { scope?: string }).scope === 'machine';
			const classes = [machine, restricted.includes(spec.key), projectSettings.includes(spec.key)].filter(Boolean).length;
			assert.equal(classes, 1, `${spec.key}: machine=${machine}, restricted=${restricted.includes(spec.key)}, project=${projectSettings.includes(spec.key)}`);
		}
		for (const key of restricted)
			assert.ok(
				settingsSchema.some(s => s.key === key),
				`${key} is not a setting`,
			);
	});

	it('what sends prompt text out with the user key, spends, or serves data is user-scoped (a workspace cannot set it at all)', () => {
		const scopeOf = (key: string) => (settingsSchema.find(s => s.key === key) as { scope?: string } | undefined)?.scope;
		for (const key of [
			'agentCost.providers.openai.baseUrl',
			'agentCost.providers.anthropic.baseUrl',
			'agentCost.store.redisUrl',
			'agentCost.tokens.exactClaudeCount',
			'agentCost.embeddings.provider',
			'agentCost.embeddings.model',
			'agentCost.cache.semanticEnabled',
			'agentCost.compression.summaryModel',
			'agentCost.tiers.cheap',
			'agentCost.tiers.medium',
			'agentCost.tiers.expensive',
			'agentCost.budget.enabled',
			'agentCost.budget.policy',
			'agentCost.budget.runUsd',
			'agentCost.budget.dailyUsd',
			'agentCost.budget.timeZone',
			'agentCost.pricing.overrides',
			'agentCost.pricing.overridesFile',
			'agentCost.metrics.enabled',
			'agentCost.metrics.port',
			'agentCost.recordings.mode',
		])
			assert.equal(scopeOf(key), 'machine', key);
	});
});
