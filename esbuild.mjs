// Builds every bundle the product ships plus the test bundles.
//   node esbuild.mjs               development build (sourcemaps)
//   node esbuild.mjs --production  minified, no sourcemaps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuild on change
// Type checking is separate (`npm run typecheck`): esbuild only strips types.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = !process.argv.includes('--no-tests');

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

const contexts = [
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

if (!watch) rmSync('out', { recursive: true, force: true });
const started = Date.now();
const ctxs = await Promise.all(contexts.map(c => esbuild.context(c)));
if (watch) {
	await Promise.all(ctxs.map(c => c.watch()));
} else {
	await Promise.all(ctxs.map(c => c.rebuild()));
	await Promise.all(ctxs.map(c => c.dispose()));
	copyStatic();
	console.log(`esbuild: ${contexts.length} contexts built in ${Date.now() - started} ms${production ? ' (production)' : ''} → ${relative('.', 'dist')}/`);
}
