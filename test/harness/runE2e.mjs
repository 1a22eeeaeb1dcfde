// End-to-end: the PACKAGED extension in a real VS Code in a real browser. Builds the .vsix
// (scripts/package.mjs), installs it with `code-server --install-extension` into a fresh profile,
// starts code-server WITHOUT the smoke-test driver (so the workbench behaves as for a user: real
// toasts, dialogs), and runs the named checks of test/e2e/checks.mjs in headless chromium.
// Counts go to test-results/e2e.json, screenshots to test-results/screenshots/.
//
//   npm run test:e2e
// Env: E2E_TIMEOUT_MS (whole run, default 600000), E2E_ONLY (run checks whose name contains this).
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, exitWithFailure, HarnessError, repoRoot, requireInstalled, resultsDir, sampleWorkspace } from './harnessEnv.mjs';
import { installCleanupHandlers } from './processGroup.mjs';
import { installVsix, profileDirs, startCodeServer } from './codeServer.mjs';
import { launchBrowser, trackForeignRequests } from './browser.mjs';
import { packageVsix } from '../../scripts/package.mjs';
import { checks } from '../e2e/checks.mjs';

const stage = 'e2e';
const resultsFile = process.env.TEST_RESULTS_FILE ?? join(resultsDir, 'e2e.json');
const screenshotsDir = join(resultsDir, 'screenshots');
const overallTimeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 600_000);
const defaultCheckTimeoutMs = 60_000;

const slug = name =>
	name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');

function withTimeout(promise, ms, what) {
	let timer;
	return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

async function main() {
	installCleanupHandlers();
	const started = Date.now();
	const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
	requireInstalled();
	mkdirSync(resultsDir, { recursive: true });
	rmSync(resultsFile, { force: true });
	rmSync(screenshotsDir, { recursive: true, force: true });
	mkdirSync(screenshotsDir, { recursive: true });
	const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

	const runDir = createRunDir(stage);
	const { vsix, files: packageFiles } = packageVsix({ out: join(runDir, `${manifest.name}-${manifest.version}.vsix`), check: false, quiet: true });
	console.log(`${stage}: packaged ${vsix} (${packageFiles.length} files) after ${elapsed()}`);

	const dirs = profileDirs(runDir);
	const serverLog = join(runDir, 'code-server.log');
	await installVsix(dirs, vsix, join(runDir, 'install.log'));
	const installedDir = join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
	if (!existsSync(join(installedDir, 'package.json'))) throw new HarnessError(`the vsix installed, but ${installedDir} has no package.json`);
	console.log(`${stage}: installed into ${dirs.extensions} after ${elapsed()}`);

	const results = [];
	let server;
	let browser;
	try {
		server = await startCodeServer({ dirs, logFile: serverLog });
		const b = await launchBrowser();
		browser = b.browser;
		const foreign = trackForeignRequests(b.context);
		const { page } = b;
		const pageLog = join(runDir, 'page.log');
		page.on('console', m => {
			if (m.type() === 'error') writeFileSync(pageLog, `[console.error] ${m.text()}\n`, { flag: 'a' });
		});
		page.on('pageerror', e => writeFileSync(pageLog, `[pageerror] ${e.message}\n`, { flag: 'a' }));
		await page.goto(`${server.url}/?folder=${encodeURIComponent(sampleWorkspace)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
		console.log(`${stage}: workbench page opened on ${server.url} after ${elapsed()}`);

		let notes = [];
		const ctx = {
			page,
			note(message) {
				notes.push(String(message));
				console.log(`[e2e]   ${message}`);
			},
			manifest,
			packageFiles,
			installedDir,
			vsix,
			foreignRequests: () => foreign.urls,
			/**
			 * Merges `patch` into the profile's settings.json (undefined removes a key); VS Code applies it
			 * live. `machine`: the server machine's settings file, the one that holds machine-scoped settings
			 * in code-server (they are ignored in the user file of a remote window).
			 */
			userSettings(patch, { machine = false } = {}) {
				const dir = join(dirs.userData, machine ? 'Machine' : 'User');
				mkdirSync(dir, { recursive: true });
				const file = join(dir, 'settings.json');
				const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
				for (const [k, v] of Object.entries(patch)) {
					if (v === undefined) delete current[k];
					else current[k] = v;
				}
				writeFileSync(file, JSON.stringify(current, null, '\t'));
			},
			expect(condition, message) {
				if (!condition) throw new Error(message);
			},
			async screenshot(name, locator) {
				const path = join(screenshotsDir, `${slug(name)}.png`);
				await (locator ?? page).screenshot({ path, timeout: 15_000 });
				return path;
			},
		};
		const selected = process.env.E2E_ONLY ? checks.filter(c => c.name.includes(process.env.E2E_ONLY)) : checks;
		const deadline = started + overallTimeoutMs;
		for (const check of selected) {
			const t0 = Date.now();
			notes = [];
			const budget = Math.min(check.timeoutMs ?? defaultCheckTimeoutMs, deadline - Date.now());
			try {
				if (budget <= 0) throw new Error(`not run: the whole e2e run exceeded ${overallTimeoutMs / 1000} s`);
				await withTimeout(check.run(ctx), budget, 'check');
				results.push({ name: check.name, ok: true, ms: Date.now() - t0, ...(notes.length ? { notes } : {}) });
				console.log(`[e2e] PASS ${check.name} (${Date.now() - t0} ms)`);
			} catch (e) {
				const error = (e instanceof Error ? e.message : String(e)).split('\n')[0];
				let shot;
				try {
					shot = await ctx.screenshot(`FAILED-${check.name}`);
				} catch {
					// the page may be gone; the failure itself is what matters
				}
				results.push({ name: check.name, ok: false, ms: Date.now() - t0, error, screenshot: shot, ...(notes.length ? { notes } : {}) });
				console.log(`[e2e] FAIL ${check.name}: ${error}`);
			}
		}
	} finally {
		await browser?.close().catch(() => {});
		await server?.stop();
	}

	const failed = results.filter(r => !r.ok);
	writeFileSync(
		resultsFile,
		JSON.stringify({ passed: results.length - failed.length, failed: failed.length, pending: 0, failures: failed.map(r => ({ title: r.name, error: r.error })), checks: results }, null, 1),
	);
	if (failed.length === 0) rmSync(runDir, { recursive: true, force: true });
	else console.log(`${stage}: logs kept in ${runDir}`);
	console.log(`${stage}: ${results.length - failed.length} passed, ${failed.length} failed in ${elapsed()}; screenshots in ${screenshotsDir}`);
	if (results.length === 0) throw new HarnessError('no e2e check ran');
	return failed.length === 0 ? 0 : 1;
}

main().then(
	code => process.exit(code),
	error => exitWithFailure(stage, error),
);
