// Integration tests inside a REAL VS Code extension host: code-server 4.139.1 on Node 24, driven by
// headless chromium. The browser workbench starts the extension under development plus our mocha
// runner (out/test/integration/index.js) through the `?payload=` test URL, which a built workbench
// only honours with the smoke-test driver on. The verdict reaches us twice — the workbench calls
// window.codeAutomationExit(code) and the runner writes TEST_RESULTS_FILE — and both must agree.
//
//   npm run test:integration            build, then run every out/test/integration/**/*.test.js
//   node test/harness/runIntegration.mjs --no-build     (npm test builds once for all layers)
// Env: INTEGRATION_TIMEOUT_MS (default 300000), TEST_RESULTS_FILE (default test-results/integration.json),
//      MOCHA_GREP (only tests whose full title matches).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exitWithFailure, createRunDir, HarnessError, repoRoot, requireInstalled, resultsDir, sampleWorkspace } from './harnessEnv.mjs';
import { installCleanupHandlers } from './processGroup.mjs';
import { profileDirs, startCodeServer, tail } from './codeServer.mjs';
import { launchBrowser, trackForeignRequests } from './browser.mjs';

const stage = 'integration';
const timeoutMs = Number(process.env.INTEGRATION_TIMEOUT_MS ?? 300_000);
const resultsFile = process.env.TEST_RESULTS_FILE ?? join(resultsDir, 'integration.json');
// INTEGRATION_RUNNER: another runner inside the extension folder (the lens benchmark, scripts/benchLens.mjs).
const runnerPath = process.env.INTEGRATION_RUNNER ?? join(repoRoot, 'out', 'test', 'integration', 'index.js');

async function main() {
	installCleanupHandlers();
	const started = Date.now();
	const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
	requireInstalled();
	if (!process.argv.includes('--no-build')) {
		const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
		if (build.status !== 0) throw new HarnessError('`node esbuild.mjs` failed');
	}
	if (!existsSync(runnerPath)) throw new HarnessError(`runner ${runnerPath} missing — run \`npm run build\` first`);
	if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) throw new HarnessError('dist/extension.js missing — run `npm run build` first');
	if (!existsSync(sampleWorkspace)) throw new HarnessError(`sample workspace ${sampleWorkspace} missing`);

	mkdirSync(resultsDir, { recursive: true });
	rmSync(resultsFile, { force: true }); // a stale file must never count as this run's result
	const runDir = createRunDir(stage);
	const dirs = profileDirs(runDir);
	const serverLog = join(runDir, 'code-server.log');
	const hostLog = join(runDir, 'workbench.log');
	console.log(`${stage}: code-server + chromium, logs in ${runDir}`);

	let server;
	let browser;
	let keepRunDir = true;
	try {
		server = await startCodeServer({
			dirs,
			logFile: serverLog,
			smokeTestDriver: true,
			// Inherited by the extension host, which is where the runner writes its counts.
			env: {
				TEST_RESULTS_FILE: resultsFile,
				...(process.env.MOCHA_GREP ? { MOCHA_GREP: process.env.MOCHA_GREP } : {}),
				...(process.env.BENCH_LENS_OUTPUT ? { BENCH_LENS_OUTPUT: process.env.BENCH_LENS_OUTPUT } : {}),
			},
		});
		console.log(`${stage}: code-server answering on ${server.url} after ${elapsed()}`);

		const b = await launchBrowser();
		browser = b.browser;
		const foreign = trackForeignRequests(b.context);
		let reportExit;
		const exitCode = new Promise(resolve => (reportExit = resolve));
		// Both hooks must exist before the workbench loads: it looks them up when it needs them.
		await b.page.exposeFunction('codeAutomationExit', code => reportExit(code));
		await b.page.exposeFunction('codeAutomationLog', (level, message) => {
			const text = String(message);
			appendFileSync(hostLog, `[${level}] ${text}\n`);
			for (const line of text.split('\n')) {
				const tag = line.includes('[mocha]') ? '[mocha]' : line.includes('[bench]') ? '[bench]' : undefined;
				if (tag) console.log(line.slice(line.indexOf(tag)));
			}
		});
		b.page.on('pageerror', e => appendFileSync(hostLog, `[pageerror] ${e.message}\n`));

		// Payload values are full vscode-remote URIs whose authority is the host:port the browser uses.
		const remote = p => `vscode-remote://127.0.0.1:${server.port}${p}`;
		const payload = [
			['extensionDevelopmentPath', remote(repoRoot)],
			['extensionTestsPath', remote(runnerPath)],
			['skipWelcome', 'true'],
		];
		const url = `${server.url}/?folder=${encodeURIComponent(sampleWorkspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
		await b.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

		let timer;
		const timeout = new Promise(resolve => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
		const code = await Promise.race([exitCode, timeout]);
		clearTimeout(timer);
		if (code === 'timeout') {
			throw new HarnessError(`no verdict from the workbench within ${timeoutMs / 1000} s — did the extension host start? (server log ${serverLog}: ${tail(serverLog)}; workbench log ${hostLog})`);
		}
		console.log(`${stage}: workbench reported exit code ${code} after ${elapsed()}`);
		verify(code);
		if (foreign.urls.length) throw new HarnessError(`the page tried to reach non-local hosts: ${foreign.urls.slice(0, 3).join(', ')}`);
		keepRunDir = false;
	} finally {
		await browser?.close().catch(() => {});
		await server?.stop();
		// Logs of a failed run stay for inspection; a passing run leaves nothing behind.
		if (!keepRunDir) rmSync(runDir, { recursive: true, force: true });
	}
	console.log(`${stage}: done in ${elapsed()}`);
}

/** Exit code and results file must tell the same story; anything else is a failure. */
function verify(code) {
	if (!existsSync(resultsFile)) {
		throw new HarnessError(`the runner wrote no results to ${resultsFile} (exit code ${code}): a test file failed to load or the runner never started — see the [mocha] lines above`);
	}
	const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
	const summary = `${results.passed} passed, ${results.failed} failed`;
	if (code !== 0 || results.failed > 0) {
		for (const f of results.failures ?? []) console.error(`${stage}: FAIL ${f.title}: ${f.error}`);
		throw new HarnessError(`${summary} (exit code ${code})`);
	}
	if (!(results.passed > 0)) throw new HarnessError(`no integration test ran (exit code ${code}) — are there out/test/integration/**/*.test.js files?`);
	console.log(`${stage}: ${summary}`);
}

main().then(
	() => process.exit(0),
	error => exitWithFailure(stage, error),
);
