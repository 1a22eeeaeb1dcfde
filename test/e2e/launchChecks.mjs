// e2e: `npm run launch` as a user meets it, twice over. The real scripts/launch.mjs runs (with the
// e2e run's package, so it does not package again) and a browser with a kept profile (a user's
// browser) opens it: an API key set in the first launch is still there after Ctrl-C and a relaunch,
// an edit saved in VS Code lands in the launch's copy of the sample workspace and never in the
// tracked sample-workspace/, and `--fresh` starts over (no key, a new copy).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs } from '../harness/browser.mjs';
import { freePort } from '../harness/codeServer.mjs';
import { chromiumPath, repoRoot, sampleWorkspace } from '../harness/harnessEnv.mjs';
import { spawnGroup } from '../harness/processGroup.mjs';
import { notificationToast, quickOpenFile, runPaletteCommand, statusBarItem, waitForWorkbench } from './workbench.mjs';

/** Starts `node scripts/launch.mjs …` and resolves with its URL once it prints it (`log`: a new file per launch). */
async function launch(stateDir, args, log) {
	const handle = spawnGroup(process.execPath, [join(repoRoot, 'scripts', 'launch.mjs'), ...args], { cwd: repoRoot, env: { ...process.env, AGENT_COST_LAUNCH_DIR: stateDir }, logFile: log });
	const deadline = Date.now() + 120_000;
	for (;;) {
		const text = readFileSync(log, 'utf8');
		const url = /is running in VS Code \(code-server\) at:\s+(\S+)/.exec(text)?.[1];
		if (url) return { handle, url, text };
		const exited = await Promise.race([handle.exited, new Promise(r => setTimeout(() => r(undefined), 250))]);
		if (exited || Date.now() > deadline) {
			await handle.stop();
			throw new Error(`launch ${exited ? `exited (${exited.code ?? exited.signal})` : 'printed no URL in 120 s'}: ${text.trim().split('\n').slice(-3).join(' | ')}`);
		}
	}
}

/** Ctrl-C: SIGINT to the launch script, which stops code-server's process group and exits. */
async function stop({ handle }) {
	process.kill(handle.pid, 'SIGINT');
	const exited = await Promise.race([handle.exited, new Promise(r => setTimeout(() => r(undefined), 20_000))]);
	if (!exited) await handle.stop();
}

/** Opens the launched VS Code and waits until the extension is up (its spend item shows): its commands are in the palette from then on. */
async function openWorkbench(page, url) {
	await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
	await waitForWorkbench(page);
	await statusBarItem(page, 'agentCost.spend').filter({ hasText: '$' }).waitFor({ state: 'visible', timeout: 90_000 });
}

/** "Agent Cost: Set API Key…" lists each provider with "key set" / "key not set": read OpenAI's row, then close the picker. */
async function openAiKeyState(page) {
	await runPaletteCommand(page, 'Agent Cost: Set API Key…', 20_000, { opensPicker: true });
	const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'OpenAI' }).first();
	await row.waitFor({ state: 'visible', timeout: 30_000 });
	const text = (await row.innerText()).replace(/\s+/g, ' ');
	await page.keyboard.press('Escape');
	return /key set/.test(text) && !/not set/.test(text) ? 'set' : 'not set';
}

export function launchChecks() {
	return [
		{
			name: 'npm run launch keeps its profile and API keys between launches, saves into a copy of the samples, and --fresh starts over',
			timeoutMs: 300_000,
			async run({ vsix, expect, note, screenshot }) {
				const stateDir = mkdtempSync(join(tmpdir(), 'agent-cost-launch-'));
				const browserDir = mkdtempSync(join(tmpdir(), 'agent-cost-browser-'));
				const log = n => join(stateDir, `launch-${n}.log`);
				const context = await chromium.launchPersistentContext(browserDir, { executablePath: chromiumPath, headless: true, args: chromiumArgs, viewport: { width: 1440, height: 900 } });
				let running;
				const page = context.pages()[0] ?? (await context.newPage());
				try {
					const port = await freePort();
					running = await launch(stateDir, ['--port', String(port), '--vsix', vsix], log(1));
					const copy = join(stateDir, 'workspace');
					expect(running.url.includes(encodeURIComponent(copy)), `launch opened ${running.url}, not the copy ${copy}`);
					await openWorkbench(page, running.url);
					expect((await openAiKeyState(page)) === 'not set', 'a first launch has no key');

					// Set a key like a user: palette, provider, password box.
					await runPaletteCommand(page, 'Agent Cost: Set API Key…', 20_000, { opensPicker: true });
					await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'OpenAI' }).first().click();
					await page.locator('.quick-input-widget', { hasText: 'Stored only in VS Code' }).waitFor({ state: 'visible', timeout: 20_000 });
					await page.keyboard.type('sk-launch-keeps-this-key-0000');
					await page.keyboard.press('Enter');
					await notificationToast(page, 'saved in VS Code').waitFor({ state: 'visible', timeout: 20_000 });

					// Edit and save a sample prompt: it lands in the copy, the tracked folder stays as committed.
					const tracked = readFileSync(join(sampleWorkspace, 'prompts', 'code-review.prompt'), 'utf8');
					await quickOpenFile(page, 'code-review.prompt');
					await page.locator('.monaco-editor .view-lines').first().click();
					await page.keyboard.press('Control+Home');
					await page.keyboard.type('Edited in the launched VS Code. ');
					await page.keyboard.press('Control+S');
					// The save reaches the disk through the remote file system: poll the copy.
					const copied = join(copy, 'prompts', 'code-review.prompt');
					for (let i = 0; i < 80 && !readFileSync(copied, 'utf8').startsWith('Edited in the launched VS Code. '); i++) await page.waitForTimeout(250);
					const saved = readFileSync(copied, 'utf8');
					expect(saved.startsWith('Edited in the launched VS Code. '), 'the edit did not reach the workspace copy');
					expect(readFileSync(join(sampleWorkspace, 'prompts', 'code-review.prompt'), 'utf8') === tracked, 'the tracked sample-workspace/ changed');
					const git = spawnSync('git', ['status', '--porcelain', '--', 'sample-workspace'], { cwd: repoRoot, encoding: 'utf8' });
					expect(git.stdout.trim() === '', `git status of sample-workspace/: ${git.stdout.trim()}`);
					await stop(running);

					// Relaunch without --port: the saved port, the same origin, the same key and the same copy.
					running = await launch(stateDir, ['--vsix', vsix], log(2));
					expect(running.url.startsWith(`http://127.0.0.1:${port}/`), `relaunch at ${running.url}, not on port ${port}`);
					await openWorkbench(page, running.url);
					expect((await openAiKeyState(page)) === 'set', 'the API key did not survive the relaunch');
					expect(readFileSync(join(copy, 'prompts', 'code-review.prompt'), 'utf8') === saved, 'the workspace copy was replaced');
					await screenshot('launch-relaunched');
					await stop(running);

					// --fresh: no key, a new copy.
					running = await launch(stateDir, ['--fresh', '--vsix', vsix], log(3));
					await openWorkbench(page, running.url);
					expect((await openAiKeyState(page)) === 'not set', '--fresh kept the key');
					expect(readFileSync(join(copy, 'prompts', 'code-review.prompt'), 'utf8') === tracked, '--fresh kept the edited copy');
					note(
						`launch output: ${running.text
							.trim()
							.split('\n')
							.filter(l => l.startsWith('launch:'))
							.join(' | ')}`,
					);
				} catch (e) {
					// The run's own failure screenshot shows the main page; this is the launched one.
					await screenshot('FAILED-launch-page', page.locator('body')).catch(() => undefined);
					throw e;
				} finally {
					if (running) await stop(running);
					await context.close();
					rmSync(browserDir, { recursive: true, force: true });
					rmSync(stateDir, { recursive: true, force: true });
				}
			},
		},
	];
}
