// Builds every bundle the product ships plus the test bundles.
//   node esbuild.mjs               development build (sourcemaps)
//   node esbuild.mjs --production  minified, no sourcemaps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --cli         only what the CLI runs (what `npx agent-cost` builds on first use)
// Type checking is separate (`npm run typecheck`): esbuild only strips types.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const cliOnly = process.argv.includes('--cli');
const withTests = !process.argv.includes('--no-tests') && !cliOnly;

/** Prints errors the way VS Code's `$esbuild-watch` problem matcher expects. */
const problemMatcher = {
	name: 'problem-matcher',
	setup(build) {
		build.onStart(() => console.log('[watch] build started'));
		build.onEnd(result => {
			for (const { text, location } of result.errors) {
				console.error(`✘ [ERROR] ${text}`);
				if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
			}
			console.log('[watch] build finished');
		});
	},
};

const common = {
	bundle: true,
	minify: production,
	sourcemap: production ? false : 'linked',
	sourcesContent: false,
	logLevel: 'warning',
	legalComments: 'none',
	// Error classes refer to themselves; without this esbuild renames them ("_InputError") and
	// `new.target.name` leaks the mangled name into messages.
	keepNames: true,
	plugins: watch ? [problemMatcher] : [],
};

/**
 * The rank tables and the price dataset ship once, each in a file of its own in dist/
 * (src/node/engineData/*.ts): the bundles that use one get a stub that requires that file at run
 * time instead of a copy, and load only the data they use.
 */
const sharedData = {
	'gpt-tokenizer/bpeRanks/o200k_base': 'engineData-o200k.js',
	'gpt-tokenizer/bpeRanks/cl100k_base': 'engineData-cl100k.js',
	'@pydantic/genai-prices': 'engineData-prices.js',
};
const sharedEngineData = {
	name: 'shared-engine-data',
	setup(build) {
		build.onResolve({ filter: /^(gpt-tokenizer\/bpeRanks\/(o200k|cl100k)_base|@pydantic\/genai-prices)$/ }, args => ({ path: args.path, namespace: 'shared-engine-data' }));
		build.onResolve({ filter: /^\.\/engineData-[a-z0-9]+\.js$/, namespace: 'shared-engine-data' }, args => ({ path: args.path, external: true }));
		build.onLoad({ filter: /.*/, namespace: 'shared-engine-data' }, args => ({ contents: `module.exports = require('./${sharedData[args.path]}').data;`, loader: 'js' }));
	},
};

function findFiles(dir, suffix) {
	const out = [];
	let entries;
	try {
		entries = readdirSync(dir);
	} catch {
		return out;
	}
	for (const name of entries) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) out.push(...findFiles(path, suffix));
		else if (path.endsWith(suffix)) out.push(path);
	}
	return out;
}

const allContexts = [
	// Extension host: Node, CommonJS, `vscode` provided by the host. The token worker is a separate
	// file because it runs in a worker_thread so rank loading never blocks the shared extension host.
	{
		...common,
		entryPoints: {
			extension: 'src/extension/extension.ts',
			tokenWorker: 'src/node/tokenWorker.ts',
			engineWorker: 'src/node/engineWorker.ts',
			// The agent gateway's spend ledger, off its event loop (started by dist/cli.js).
			ledgerWorker: 'src/node/ledgerWorker.ts',
		},
		outdir: 'dist',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		external: ['vscode'],
		plugins: [...common.plugins, sharedEngineData],
	},
	// The one copy of each rank table and of the price dataset (see `sharedEngineData`).
	{
		...common,
		entryPoints: { 'engineData-o200k': 'src/node/engineData/o200kRanks.ts', 'engineData-cl100k': 'src/node/engineData/cl100kRanks.ts', 'engineData-prices': 'src/node/engineData/genaiPrices.ts' },
		outdir: 'dist',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
	},
	// The headless CLI on the same engine: a tiny launcher (the `agent-cost` bin) that loads the full
	// CLI, or the `sessions` command's own small bundle (start-up time and memory, bench/results/sessions.md).
	{
		...common,
		entryPoints: { cli: 'src/node/cli/launcher.ts', cliMain: 'src/node/cli/main.ts', sessionsCli: 'src/node/cli/sessionsMain.ts', tokenCounter: 'src/node/cli/tokenCounterBundle.ts' },
		outdir: 'dist',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		banner: { js: '#!/usr/bin/env node' },
		plugins: [...common.plugins, sharedEngineData],
	},
	// Webview: a browser app with fixed file names so the host can build its URIs.
	{
		...common,
		entryPoints: { replay: 'webview/replay/main.ts' },
		outdir: 'dist/webview',
		platform: 'browser',
		format: 'esm',
		target: 'es2022',
		loader: { '.css': 'css' },
	},
];

// The CLI alone: fast, and it leaves the other bundles and out/ (a test run may be using them) alone.
// The CLI needs its own bundles, the engine data files and the workers it starts (dist/ledgerWorker.js for the gateway).
const contexts = cliOnly ? allContexts.filter(c => c.entryPoints.cli || c.entryPoints['engineData-prices'] || c.entryPoints.ledgerWorker) : allContexts;

if (withTests) {
	// Unit tests: one bundle per test file, dependencies left in node_modules.
	contexts.push({
		...common,
		minify: false,
		sourcemap: 'inline',
		entryPoints: findFiles('test/unit', '.test.ts'),
		outbase: '.',
		outdir: 'out',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		packages: 'external',
	});
	// Integration tests run inside the real extension host: the runner must be inside the extension
	// folder and `vscode` comes from the host.
	const integration = findFiles('test/integration', '.ts').filter(f => !f.endsWith('.d.ts'));
	if (integration.length) {
		contexts.push({
			...common,
			minify: false,
			sourcemap: 'inline',
			entryPoints: integration,
			outbase: '.',
			outdir: 'out',
			platform: 'node',
			format: 'cjs',
			target: 'node20',
			packages: 'external',
			external: ['vscode'],
		});
	}
	// The fake OpenAI/Anthropic server as a program (`npm run fake-provider`), for integration tests
	// and manual runs without internet.
	contexts.push({
		...common,
		minify: false,
		entryPoints: { fakeProviderServer: 'test/support/fakeProviderServerMain.ts' },
		outdir: 'out',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
	});
	const benches = findFiles('bench', '.ts');
	if (benches.length) {
		contexts.push({
			...common,
			minify: false,
			entryPoints: benches,
			outbase: '.',
			outdir: 'out',
			platform: 'node',
			format: 'cjs',
			target: 'node20',
			packages: 'external',
		});
	}
}

function copyStatic() {
	// The elements bundle ships its own codicon CSS reference; nothing else needs copying today.
	mkdirSync('dist/webview', { recursive: true });
	const codicon = 'node_modules/@vscode/codicons/dist/codicon.css';
	try {
		statSync(codicon);
		copyFileSync(codicon, 'dist/webview/codicon.css');
		copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');
	} catch {
		// codicons are optional for the panel: buttons fall back to text labels
	}
}

if (!watch && !cliOnly) rmSync('out', { recursive: true, force: true });
const started = Date.now();
const ctxs = await Promise.all(contexts.map(c => esbuild.context(c)));
if (watch) {
	await Promise.all(ctxs.map(c => c.watch()));
} else {
	await Promise.all(ctxs.map(c => c.rebuild()));
	await Promise.all(ctxs.map(c => c.dispose()));
	if (!cliOnly) copyStatic();
	console.log(`esbuild: ${contexts.length} contexts built in ${Date.now() - started} ms${production ? ' (production)' : ''} → ${relative('.', 'dist')}/`);
}
