import * as assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths';

/**
 * Activation must stay cheap (≤ 50 ms): the extension host loads dist/extension.js at startup, so
 * the heavy parts — tokenizer rank tables, the price dataset, the provider SDKs, the importers —
 * must live only in the worker bundles, which load on first use.
 */
describe('extension host bundle stays light', () => {
	const bundle = () => readFileSync(join(repoRoot(), 'dist', 'extension.js'), 'utf8');

	it('does not contain the tokenizer ranks, the price dataset or the provider SDKs', () => {
		const text = bundle();
		const markers: Record<string, RegExp> = {
			'gpt-tokenizer rank tables': /bpeRanks|"!\\"#\$%&'\(\)\*\+,-\.\/0123456789/,
			// Dataset ENTRIES (a price, a provider URL pattern): the light overrides parser legitimately
			// knows the key name `cache_write_1h_mtok` as an alias, without any data.
			'price dataset (@pydantic/genai-prices data)': /cache_write_1h_mtok:\s*[\d.]|api_pattern:/,
			'provider SDKs (openai, @anthropic-ai/sdk)': /X-Stainless-Retry-Count/,
		};
		const found = Object.entries(markers)
			.filter(([, re]) => re.test(text))
			.map(([name]) => name);
		assert.deepEqual(found, []);
	});

	it('the markers above do match the bundles that must contain those parts (self-check)', () => {
		const read = (f: string) => readFileSync(join(repoRoot(), f), 'utf8');
		assert.match(read('dist/tokenWorker.js'), /bpeRanks|"!\\"#\$%&'\(\)\*\+,-\.\/0123456789/);
		assert.match(read('dist/engineWorker.js'), /cache_write_1h_mtok:\s*[\d.]/);
		assert.match(read('dist/engineWorker.js'), /api_pattern:/);
		assert.match(read('node_modules/openai/client.js'), /X-Stainless-Retry-Count/);
		assert.match(read('node_modules/@anthropic-ai/sdk/client.js'), /X-Stainless-Retry-Count/);
	});

	it('is small (under 400 KB unminified)', () => {
		const size = statSync(join(repoRoot(), 'dist', 'extension.js')).size;
		assert.ok(size < 400_000, `dist/extension.js is ${size} bytes`);
	});
});
