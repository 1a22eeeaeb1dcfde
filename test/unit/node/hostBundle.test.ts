import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

	it('the markers above do match the bundle that must contain those parts (self-check)', () => {
		const read = (f: string) => readFileSync(join(repoRoot(), f), 'utf8');
		assert.match(read('dist/engineData-o200k.js'), /bpeRanks|"!\\"#\$%&'\(\)\*\+,-\.\/0123456789/);
		assert.match(read('dist/engineData-prices.js'), /cache_write_1h_mtok:\s*[\d.]/);
		assert.match(read('dist/engineData-prices.js'), /api_pattern:/);
		assert.match(read('node_modules/openai/client.js'), /X-Stainless-Retry-Count/);
		assert.match(read('node_modules/@anthropic-ai/sdk/client.js'), /X-Stainless-Retry-Count/);
	});

	it('the rank tables and the price dataset ship ONCE (dist/engineData-*.js); the workers and the CLI require what they use', () => {
		const dist = join(repoRoot(), 'dist');
		const js = readdirSync(dist).filter(f => f.endsWith('.js'));
		const holding = (re: RegExp) => js.filter(f => re.test(readFileSync(join(dist, f), 'utf8')));
		// The first ranks of both tables (single bytes), minified or not; a module path in a comment does not count.
		assert.deepEqual(holding(/"!",\s*(?:'"'|"\\""),\s*"#",\s*"\$",\s*"%"/), ['engineData-cl100k.js', 'engineData-o200k.js'], 'o200k/cl100k ranks');
		assert.deepEqual(holding(/api_pattern:/), ['engineData-prices.js'], 'price dataset');
		const requires = (f: string) => [...readFileSync(join(dist, f), 'utf8').matchAll(/require\("\.\/(engineData-[a-z0-9]+)\.js"\)/g)].map(m => m[1]).sort();
		for (const f of ['tokenWorker.js', 'engineWorker.js', 'cliMain.js']) assert.deepEqual(requires(f), ['engineData-cl100k', 'engineData-o200k', 'engineData-prices'], f);
		// The `sessions` command prices calls but counts tokens only for old placeholder outputs (dist/tokenCounter.js).
		assert.deepEqual(requires('sessionsCli.js'), ['engineData-prices'], 'sessionsCli.js');
		assert.ok(statSync(join(dist, 'cli.js')).size < 4_000, 'dist/cli.js is only the launcher');
	});

	it("requires no file of its own at run time (a relative require — jsonc-parser's UMD build — fails activation)", () => {
		assert.deepEqual(bundle().match(/require\("\.\.?\/[^"]*"\)/g) ?? [], []);
	});

	it('is small (under 400 KB unminified)', () => {
		const size = statSync(join(repoRoot(), 'dist', 'extension.js')).size;
		assert.ok(size < 400_000, `dist/extension.js is ${size} bytes`);
	});
});
