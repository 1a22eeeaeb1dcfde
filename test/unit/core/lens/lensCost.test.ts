import * as assert from 'node:assert/strict';
import { effectiveContextWindow, lensCost, pricesFor } from '../../../../src/core/lens/lensCost';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import type { ModelPriceInfo } from '../../../../src/core/pricing/types';
import { zeroUsage } from '../../../../src/core/pricing/usage';

describe('lens cost arithmetic (host side, on describe() prices)', () => {
	const catalog = createPriceCatalog({ now: () => new Date('2026-11-01T00:00:00Z'), overrides: { 'my-model': { input: 2, output: 8, longContext: { threshold: 1000, input: 4, output: 12 } } } });
	const describe = (m: string) => {
		const d = catalog.describe(m);
		assert.equal(d.kind, 'known', `${m} has a price`);
		return d as ModelPriceInfo;
	};

	it('equals the catalog cost of an uncached call, across models and both sides of long-context thresholds', () => {
		const models = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5', 'o3', 'claude-opus-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-pro', 'gemini-2.5-flash', 'my-model'];
		for (const model of models) {
			const info = describe(model);
			for (const input of [0, 1, 999, 1000, 1001, 12_345, 199_999, 200_001, 250_000]) {
				for (const output of [0, 2048]) {
					const expected = catalog.cost(model, { ...zeroUsage, input, output });
					assert.equal(expected.kind, 'priced');
					if (expected.kind !== 'priced') continue;
					const got = lensCost(info, input, output);
					assert.ok(Math.abs(got.total - expected.usd) < 1e-12, `${model} ${input}+${output}: lens ${got.total} vs catalog ${expected.usd}`);
				}
			}
		}
	});

	it('picks the highest long-context tier the input is above (whole request repriced)', () => {
		const info = describe('my-model');
		assert.equal(pricesFor(info, 1000).input, 2);
		assert.equal(pricesFor(info, 1001).input, 4);
		const c = lensCost(info, 2000, 100);
		assert.equal(c.longContext, true);
		assert.ok(Math.abs(c.input - (2000 * 4) / 1e6) < 1e-15);
		assert.ok(Math.abs(c.output - (100 * 12) / 1e6) < 1e-15);
	});

	it('gives the cached-input cost when the model has a cache price, and none otherwise', () => {
		const c = lensCost(describe('gpt-4o'), 1_000_000, 0);
		assert.equal(c.cachedInput, 1.25);
		assert.equal(lensCost(describe('my-model'), 10, 0).cachedInput, undefined);
	});

	it('treats bad token numbers as 0 instead of producing NaN', () => {
		const c = lensCost(describe('gpt-4o'), Number.NaN, -5);
		assert.equal(c.total, 0);
	});

	it('the context window is the model window capped by the setting, or the setting alone', () => {
		assert.equal(effectiveContextWindow(1_000_000, 128_000), 128_000);
		assert.equal(effectiveContextWindow(64_000, 128_000), 64_000);
		assert.equal(effectiveContextWindow(undefined, 200_000), 200_000);
		assert.equal(effectiveContextWindow(undefined, Number.NaN), 128_000);
	});
});
