import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { settingsSchema } from '../../../../src/core/config/defaults';
import { defaultEngineConfig, parseEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import { repoRoot } from '../../../support/paths';

describe('engine config: defaults = the parameter table', () => {
	it('maps every parameter-table entry to its agentCost.* key and default', () => {
		const c = defaultEngineConfig();
		assert.equal(c.compression.maxTokensBeforeCompression, 4000);
		assert.equal(c.compression.tokensToKeepRecent, 1500);
		assert.equal(c.compression.summaryModel, 'gpt-4o-mini');
		assert.equal(c.compression.summaryMaxTokens, 600);
		assert.equal(c.compression.toolResponseMaxTokens, 2000);
		assert.equal(c.budget.runUsd, 0.5);
		assert.equal(c.budget.warnThreshold, 0.8);
		assert.equal(c.cache.ttlSeconds, 3600);
		assert.equal(c.cache.similarityThreshold, 0.95);
		assert.equal(c.budget.maxSteps, 20);
		assert.equal(c.defaults.temperature, 0);
		assert.equal(c.defaults.maxOutputTokens, 2048);
		assert.equal(c.contextWindowMax, 128000);
		assert.equal(c.compression.triggerSteps, 10);
		assert.equal(c.defaults.toolCallTimeoutSeconds, 30);
		assert.equal(c.embeddings.batchSize, 100);
		assert.deepEqual(c.tiers, { cheap: 'gpt-4o-mini', medium: 'gpt-4o', expensive: 'claude-opus-4-6' });
		assert.equal(c.budget.policy, 'hard');
		assert.equal(c.budget.timeZone, 'UTC');
		assert.equal(c.budget.dailyUsd, 5);
		assert.equal(c.store.redisUrl, '');
		const params = settingsSchema.flatMap(s => ('param' in s ? [s.param] : []));
		assert.deepEqual(new Set(params).size, 16, `16 parameter-table entries are mapped, got ${params.join(', ')}`);
	});

	it('schema keys are unique, all agentCost.*, defaults valid for their own spec', () => {
		const keys = settingsSchema.map(s => s.key);
		assert.equal(new Set(keys).size, keys.length);
		for (const k of keys) assert.match(k, /^agentCost\.[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/);
		// Feeding every default back in yields no problems.
		const flat = Object.fromEntries(settingsSchema.map(s => [s.key, s.default]));
		assert.deepEqual(parseEngineConfig(flat).problems, []);
	});
});

describe('parseEngineConfig', () => {
	it('reads flat, nested and section-relative shapes', () => {
		assert.equal(parseEngineConfig({ 'agentCost.budget.runUsd': 2 }).config.budget.runUsd, 2);
		assert.equal(parseEngineConfig({ agentCost: { budget: { runUsd: 3 } } }).config.budget.runUsd, 3);
		assert.equal(parseEngineConfig({ budget: { runUsd: 4 }, tiers: { cheap: 'x-mini' } }).config.tiers.cheap, 'x-mini');
		assert.equal(parseEngineConfig({ 'providers.openai.baseUrl': 'http://127.0.0.1:1' }).config.providers.openai.baseUrl, 'http://127.0.0.1:1');
	});

	it('bad values fall back to the default with a problem naming the key', () => {
		const { config, problems } = parseEngineConfig({
			'agentCost.budget.runUsd': -1,
			'agentCost.budget.policy': 'strict',
			'agentCost.budget.timeZone': 'Mars/Olympus',
			'agentCost.defaults.maxOutputTokens': 10.5,
			'agentCost.cache.enabled': 'yes',
			'agentCost.lens.promptGlobs': ['ok', 3],
			'agentCost.tiers.cheap': '  ',
			'agentCost.budget.typo': 1,
		});
		assert.equal(config.budget.runUsd, 0.5);
		assert.equal(config.budget.policy, 'hard');
		assert.equal(config.budget.timeZone, 'UTC');
		assert.equal(config.defaults.maxOutputTokens, 2048);
		assert.equal(config.cache.enabled, true);
		assert.equal(config.tiers.cheap, 'gpt-4o-mini');
		assert.equal(config.lens.promptGlobs.length, 7);
		const byKey = new Map(problems.map(p => [p.key, p]));
		for (const k of ['runUsd', 'policy', 'timeZone']) assert.equal(byKey.get(`agentCost.budget.${k}`)?.severity, 'error', k);
		assert.match(byKey.get('agentCost.budget.policy')!.message, /hard, soft, warn/);
		assert.equal(byKey.get('agentCost.budget.typo')?.severity, 'warning');
		assert.equal(problems.length, 8);
	});

	it('accepts a valid IANA zone and warns (without echoing) about a password in the Redis URL', () => {
		const { config, problems } = parseEngineConfig({ budget: { timeZone: 'America/New_York' }, store: { redisUrl: 'redis://:hunter2@10.0.0.1:6379' } });
		assert.equal(config.budget.timeZone, 'America/New_York');
		assert.equal(problems.length, 1);
		assert.equal(problems[0].severity, 'warning');
		assert.ok(!problems[0].message.includes('hunter2'));
	});

	it('is total: never throws, always returns a complete config (property)', () => {
		const keys = settingsSchema.map(s => s.key);
		fc.assert(
			fc.property(fc.anything(), fc.dictionary(fc.constantFrom(...keys), fc.anything()), (junk, flat) => {
				for (const input of [junk, flat, { agentCost: junk }]) {
					const { config } = parseEngineConfig(input);
					assert.equal(typeof config.budget.runUsd, 'number');
					assert.ok(config.budget.runUsd >= 0);
					assert.ok(['hard', 'soft', 'warn'].includes(config.budget.policy));
					assert.ok(Number.isInteger(config.defaults.maxOutputTokens));
				}
			}),
			{ numRuns: 300 },
		);
	});

	it('does not share default arrays/objects between configs', () => {
		const a = parseEngineConfig({}).config;
		(a.lens.promptGlobs as string[]).push('mutated');
		assert.equal(parseEngineConfig({}).config.lens.promptGlobs.length, 7);
	});
});

describe('package.json settings = the schema', () => {
	it('every key, type, default, bound and enum agrees (run `node scripts/syncSettings.mjs` to fix)', () => {
		const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
		const props: Record<string, Record<string, unknown>> = pkg.contributes.configuration.properties;
		const manifestKeys = Object.keys(props)
			.filter(k => k.startsWith('agentCost.'))
			.sort();
		assert.deepEqual(manifestKeys, settingsSchema.map(s => s.key).sort());
		for (const s of settingsSchema) {
			const p = props[s.key];
			assert.equal(p.type, s.type, `${s.key} type`);
			assert.deepEqual(p.default, s.default, `${s.key} default`);
			assert.equal(p.minimum, 'minimum' in s ? s.minimum : undefined, `${s.key} minimum`);
			assert.equal(p.maximum, 'maximum' in s ? s.maximum : undefined, `${s.key} maximum`);
			assert.deepEqual(p.enum, 'enum' in s ? [...s.enum] : undefined, `${s.key} enum`);
		}
	});
});
