// The e2e checks: the PACKAGED extension (.vsix installed with `code-server --install-extension`)
// in code-server, driven through headless chromium like a user would.
//
// HOW TO ADD A CHECK: append `{ name, run }` to `checks` below (or to a new module whose array you
// spread in here). Checks run in order against ONE browser page, so a check may build on the state
// the previous ones left (e.g. the replay panel is open after "palette opens the replay panel").
// `run(ctx)` throws to fail; every check counts once in test-results/e2e.json and a failing one also
// leaves `FAILED-<name>.png` in test-results/screenshots/. `ctx` offers:
//   page           playwright Page with the workbench loaded (folder: sample-workspace/)
//   manifest       the extension's package.json
//   packageFiles   `vsce ls` output (extension-relative paths)
//   installedDir   where code-server unpacked the .vsix
//   vsix           the packaged .vsix (for checks that install it themselves, e.g. `npm run launch`)
//   screenshot(name, locator?)  saves test-results/screenshots/<name>.png (page or element)
//   expect(cond, message)       throws `message` unless cond
//   note(message)               records a detail (printed, and kept in e2e.json) — e.g. what was read
//   foreignRequests()           non-local URLs the page tried to load so far
//   userSettings(patch, {machine}?)  merges into the profile's settings.json (undefined removes); applied live;
//                               machine: true for machine-scoped settings (code-server reads them from Machine/)
// plus the helpers of ./workbench.mjs (import them). Give a check `timeoutMs` if it needs more than 60 s.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkPackageFiles } from '../../scripts/package.mjs';
import { compressChecks } from './compressChecks.mjs';
import { launchChecks } from './launchChecks.mjs';
import { lensChecks } from './lensChecks.mjs';
import { liveChecks } from './liveChecks.mjs';
import { themeChecks } from './themeChecks.mjs';
import { editorTab, notificationToast, pickQuickItem, quickOpenFile, runPaletteCommand, statusBarItem, waitForWorkbench, webviewFrame } from './workbench.mjs';

function listFiles(dir, root = dir) {
	return readdirSync(dir).flatMap(name => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? listFiles(path, root) : [relative(root, path)];
	});
}

/** The Product defaults row of the first comparison, which the panel must show again after a reload. */
let comparedBeforeReload = '';

export const checks = [
	{
		name: 'vsix ships exactly what the extension needs (vsce ls)',
		async run({ packageFiles, expect }) {
			const problems = checkPackageFiles(packageFiles);
			expect(problems.length === 0, problems.join('; '));
		},
	},
	{
		name: 'code-server installed the vsix contents unchanged',
		async run({ packageFiles, installedDir, expect }) {
			// vsce stores README.md as readme.md, CHANGELOG.md as changelog.md and LICENSE as LICENSE.txt; code-server adds `.vsixmanifest`.
			const renamed = { 'readme.md': 'README.md', 'changelog.md': 'CHANGELOG.md', 'LICENSE.txt': 'LICENSE' };
			const installed = listFiles(installedDir)
				.filter(f => f !== '.vsixmanifest')
				.map(f => renamed[f] ?? f)
				.sort();
			const expected = [...packageFiles].sort();
			expect(JSON.stringify(installed) === JSON.stringify(expected), `installed ${installed.join(', ')} ≠ packaged ${expected.join(', ')}`);
		},
	},
	{
		name: 'status bar shows the Agent Cost item',
		timeoutMs: 120_000,
		async run({ page, screenshot, expect, note }) {
			await waitForWorkbench(page);
			// The lens item shows while a prompt file is the active editor, once the extension is active.
			await quickOpenFile(page, 'planner.md');
			const item = statusBarItem(page, 'agentCost.lens');
			await item.waitFor({ state: 'visible', timeout: 90_000 });
			const text = (await item.innerText()).trim();
			expect(text.length > 0, 'the status bar item has no text');
			const label = await item.getAttribute('aria-label');
			expect(label !== null && label.trim().length > 0, 'the status bar item has no accessible label');
			note(`status bar text: ${JSON.stringify(text)}, aria-label: ${JSON.stringify(label)}`);
			await screenshot('statusbar-item', item);
			await screenshot('workbench');
		},
	},
	...lensChecks(),
	...liveChecks(),
	...compressChecks(),
	{
		name: 'F1 palette runs "Agent Cost: Open Replay Panel"',
		async run({ page, screenshot }) {
			await runPaletteCommand(page, 'Agent Cost: Open Replay Panel');
			await editorTab(page, 'Agent Cost: Replay').waitFor({ state: 'visible', timeout: 20_000 });
			await page.locator('iframe.webview.ready').first().waitFor({ state: 'attached', timeout: 30_000 });
			await screenshot('replay-panel');
		},
	},
	{
		name: 'the empty replay panel explains what to open, and its Open button asks the host for a file',
		async run({ page, screenshot, expect, note }) {
			const frame = webviewFrame(page);
			const empty = frame.locator('#empty-state');
			await empty.waitFor({ state: 'visible', timeout: 30_000 });
			const text = (await empty.innerText()).replace(/\s+/g, ' ');
			for (const part of ['Open a recorded agent run', 'Claude Code session', '*.traj.json', '.agent-cost.jsonl', 'Replay Transcript…'])
				expect(text.includes(part), `the empty state lacks "${part}": ${text.slice(0, 200)}`);
			expect(!(await frame.locator('#tabs').isVisible()), 'no tabs of empty views before a transcript is open');
			expect((await frame.locator('#engine-info-btn').count()) === 0, 'engine info is a command, not a panel button');
			await screenshot('replay-empty-state');
			// A click in the webview answered by the extension host: its open dialog appears.
			await frame.locator('#empty-open-btn').click();
			const dialog = page.locator('.quick-input-widget');
			await dialog.waitFor({ state: 'visible', timeout: 20_000 });
			note(`open dialog: ${(await dialog.innerText()).replace(/\s+/g, ' ').slice(0, 120)}`);
			await page.keyboard.press('Escape');
			await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
		},
	},
	...replayChecks(),
	...themeChecks(),
	{
		name: 'F1 palette runs "Agent Cost: Show Engine Info" and a toast reports it',
		async run({ page, manifest, screenshot }) {
			await runPaletteCommand(page, 'Agent Cost: Show Engine Info');
			const toast = notificationToast(page, `Agent Cost Lens ${manifest.version}`);
			await toast.waitFor({ state: 'visible', timeout: 20_000 });
			await screenshot('engine-info-toast');
		},
	},
	{
		name: 'the walkthrough shows its four steps: count a prompt, replay a transcript, start the gateway, set a budget',
		timeoutMs: 60_000,
		async run({ page, screenshot, expect }) {
			await runPaletteCommand(page, 'Welcome: Open Walkthrough...', 20_000, { opensPicker: true });
			await pickQuickItem(page, 'Get Started with Agent Cost Lens');
			const page1 = page.locator('.gettingStartedContainer');
			await page1.filter({ hasText: 'Get Started with Agent Cost Lens' }).waitFor({ state: 'visible', timeout: 20_000 });
			for (const step of ['Count a prompt', 'Replay a transcript', 'Start the gateway', 'Set a budget'])
				expect(await page1.locator('.getting-started-step', { hasText: step }).first().isVisible(), `step "${step}" is not shown`);
			await page1.locator('.getting-started-step', { hasText: 'Start the gateway' }).first().click();
			// Expanded: its two buttons run the gateway feature's commands (agentCost.gateway.start / .stop).
			const expanded = page1.locator('.getting-started-step[aria-expanded="true"]', { hasText: 'Start the gateway' });
			await expanded.waitFor({ state: 'visible', timeout: 10_000 });
			const buttons = (await expanded.innerText()).replace(/\s+/g, ' ');
			expect(buttons.includes('Start Gateway') && buttons.includes('Stop Gateway'), `gateway step: ${buttons}`);
			await screenshot('walkthrough');
			// The last check on this page: afterwards focus may stay inside the step's media frame, where F1 does not reach the workbench.
		},
	},
	...launchChecks(),
	{
		name: 'the page never tried to reach a host other than 127.0.0.1',
		async run({ foreignRequests, expect }) {
			const urls = foreignRequests();
			expect(urls.length === 0, `non-local requests: ${urls.slice(0, 3).join(', ')}`);
		},
	},
];

/**
 * The transcript replay panel as a user drives it: open a shared transcript, click Run in the
 * webview, read the tables and charts it drew, sweep a setting, hide and show the panel, export.
 */
function replayChecks() {
	const transcript = 'mswea_gemini3pro_django__django-14765.traj.json';
	const cspMessages = [];
	return [
		{
			name: 'palette "Agent Cost: Replay Transcript…" opens the active transcript in the replay panel',
			timeoutMs: 90_000,
			async run({ page, screenshot, note }) {
				page.on('console', m => {
					if (/Content.Security.Policy|Refused to (apply|load|execute)/i.test(m.text())) cspMessages.push(m.text());
				});
				await quickOpenFile(page, transcript);
				await runPaletteCommand(page, 'Agent Cost: Replay Transcript…');
				// The tab is titled with the transcript's name.
				await editorTab(page, `Replay: ${transcript}`).waitFor({ state: 'visible', timeout: 20_000 });
				const frame = webviewFrame(page);
				await frame.locator('#transcript-title', { hasText: transcript }).waitFor({ state: 'visible', timeout: 60_000 });
				const summary = frame.locator('#transcript-summary');
				await summary.filter({ hasText: 'mini-swe-agent' }).waitFor({ state: 'visible', timeout: 30_000 });
				await summary.filter({ hasText: '$0.112' }).waitFor({ state: 'visible', timeout: 10_000 });
				note(`header: ${(await summary.innerText()).replace(/\s+/g, ' ')}`);
				await screenshot('replay-transcript-header', frame.locator('header'));
			},
		},
		{
			name: 'Run in the webview shows the summary and step tables and the SVG charts',
			timeoutMs: 90_000,
			async run({ page, screenshot, expect, note }) {
				// A wide window so the 12-column step table is captured whole (the panel wraps and scrolls when narrower).
				await page.setViewportSize({ width: 1920, height: 1200 });
				const frame = webviewFrame(page);
				await frame.locator('#run-btn').click();
				const rows = frame.locator('#summary-table tbody tr');
				await rows.nth(2).waitFor({ state: 'visible', timeout: 60_000 });
				expect((await rows.count()) === 3, `summary rows: ${await rows.count()} (baseline + 2 scenarios expected)`);
				const baseline = (await rows.nth(0).innerText()).replace(/\s+/g, ' ');
				expect(baseline.includes('Baseline (as recorded)') && baseline.includes('$0.112'), `baseline row: ${baseline}`);
				const scenario = (await rows.nth(1).innerText()).replace(/\s+/g, ' ');
				expect(/≈\$0\.\d{3}/.test(scenario) && /[+-]\d+\.\d%/.test(scenario), `scenario row: ${scenario}`);
				note(`baseline: ${baseline}`);
				note(`scenario: ${scenario}`);
				comparedBeforeReload = scenario;
				const steps = await frame.locator('#step-table tbody tr').count();
				expect(steps >= 13, `step rows: ${steps}`);
				const lines = await frame.locator('svg#chart-cost path.chart-line').count();
				expect(lines === 3, `cumulative cost chart lines: ${lines}`);
				expect((await frame.locator('svg#chart-input path.chart-line').count()) === 3, 'input tokens chart lines');
				// Results first: above the scenario settings, which fold away once there are results.
				const resultsTop = (await frame.locator('#results').boundingBox())?.y ?? Infinity;
				const settingsTop = (await frame.locator('#scenario-settings').boundingBox())?.y ?? -Infinity;
				expect(resultsTop < settingsTop, `results at y=${resultsTop} are not above the settings at y=${settingsTop}`);
				expect(!(await frame.locator('#scenario-settings').evaluate(d => d.open)), 'the settings did not fold away after the run');
				expect(!(await frame.locator('#scenario-form').isVisible()), 'the 25 settings controls still push the results down');
				await screenshot('replay-results-first');
				await screenshot('replay-summary-table', frame.locator('#summary-table'));
				// What each scenario risks, next to its cost: one plainly named column per risk, defined in the help.
				const riskHeaders = (await frame.locator('#risk-table thead th').allInnerTexts()).map(t => t.trim());
				expect(
					riskHeaders.join('|') === 'Scenario|Steps on another model|Observations elided|Elided, needed later|Context tokens dropped|Semantic cache hits|Budget stop',
					`risk columns: ${riskHeaders.join('|')}`,
				);
				expect((await frame.locator('#risk-table tbody tr').count()) === 2, 'one risk row per scenario');
				const cheapRisk = (await frame.locator('#risk-table tbody tr').nth(1).innerText()).replace(/\s+/g, ' ');
				expect(/13 \(13 → cheap\)/.test(cheapRisk), `the all-cheap scenario moved every step to the cheap tier: ${cheapRisk}`);
				await frame.locator('#risk-help summary').click();
				expect((await frame.locator('#risk-help dt').count()) === 6, 'the help defines each risk column');
				await screenshot('replay-risk-table', frame.locator('#results'));
				await screenshot('replay-charts', frame.locator('#charts'));
				await screenshot('replay-step-table', frame.locator('#step-table'));
				// The shadow probe spends money: its button names the sample and the cap, and a bad value disables it.
				const probe = frame.locator('#probe');
				await probe.locator('summary').click();
				const send = frame.locator('#probe-run');
				await send.waitFor({ state: 'visible', timeout: 10_000 });
				const sendText = (await send.innerText()).trim();
				expect(sendText === 'Send 5 steps · spend at most $0.50', `probe button: ${JSON.stringify(sendText)}`);
				await frame.locator('#probe-sample').evaluate(f => {
					f.value = '0';
					f.dispatchEvent(new Event('input', { bubbles: true }));
				});
				expect((await send.getAttribute('disabled')) !== null, 'a sample of 0 steps leaves the probe button enabled');
				expect(/Steps to send: a whole number from 1 to 50/.test(await frame.locator('#probe-status').innerText()), 'the probe says what is wrong with the sample');
				await frame.locator('#probe-sample').evaluate(f => {
					f.value = '5';
					f.dispatchEvent(new Event('input', { bubbles: true }));
				});
				expect((await send.getAttribute('disabled')) === null, 'the probe button stays disabled after the sample is fixed');
				await screenshot('replay-probe-form', probe);
			},
		},
		{
			name: 'a sweep from the webview plots cost per value and highlights the cheapest',
			timeoutMs: 90_000,
			async run({ page, screenshot, expect }) {
				const frame = webviewFrame(page);
				await frame.locator('vscode-tab-header', { hasText: 'Sweep' }).click();
				await frame.locator('#sweep-run').click();
				const rows = frame.locator('#sweep-table tbody tr');
				await rows.nth(4).waitFor({ state: 'visible', timeout: 60_000 });
				expect((await rows.count()) === 5, `sweep rows: ${await rows.count()}`);
				expect((await frame.locator('svg#sweep-bars rect.chart-bar').count()) === 5, 'one bar per value');
				expect((await frame.locator('svg#sweep-bars rect.chart-bar-best').count()) === 1, 'exactly one best bar');
				await screenshot('replay-sweep', frame.locator('#sweep-view'));
			},
		},
		{
			name: 'the panel comes back on its tab with its results after being hidden',
			timeoutMs: 60_000,
			async run({ page, expect }) {
				await quickOpenFile(page, 'README.md');
				await editorTab(page, `Replay: ${transcript}`).click();
				const frame = webviewFrame(page);
				// Rebuilt from the host's snapshot + the webview's saved state: the Sweep tab and its table.
				await frame.locator('#sweep-table tbody tr').nth(4).waitFor({ state: 'visible', timeout: 30_000 });
				expect(await frame.locator('#sweep-view').isVisible(), 'the Sweep tab is not the one shown');
				expect((await frame.locator('#summary-table tbody tr').count()) === 3, 'the comparison results are gone');
			},
		},
		{
			name: 'Export CSV from the webview opens the comparison in an editor',
			timeoutMs: 60_000,
			async run({ page, screenshot }) {
				const frame = webviewFrame(page);
				await frame.locator('vscode-tab-header', { hasText: 'Replay' }).click();
				await frame.locator('#export-csv').click();
				await page.locator('.monaco-editor .view-lines', { hasText: 'scenario,step,thread' }).first().waitFor({ state: 'visible', timeout: 20_000 });
				await frame.locator('#export-status', { hasText: 'CSV export' }).waitFor({ state: 'visible', timeout: 10_000 });
				await screenshot('replay-export-csv');
				await page.setViewportSize({ width: 1440, height: 900 });
				// Close the unsaved export so the reload below is not held up by it.
				await runPaletteCommand(page, 'View: Revert and Close Editor');
			},
		},
		{
			name: 'after a window reload the panel reopens its transcript and runs its comparison and its sweep again',
			timeoutMs: 150_000,
			async run({ page, expect, note }) {
				// Leave the panel on its Sweep tab, then reload through VS Code's own command: its shutdown saves
				// the workbench state (a browser reload can cut that short and restore an older webview state).
				await webviewFrame(page).locator('vscode-tab-header', { hasText: 'Sweep' }).click();
				await webviewFrame(page).locator('#sweep-view').waitFor({ state: 'visible', timeout: 10_000 });
				await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runPaletteCommand(page, 'Developer: Reload Window')]);
				await waitForWorkbench(page);
				const tab = editorTab(page, `Replay: ${transcript}`);
				await tab.waitFor({ state: 'visible', timeout: 90_000 });
				await tab.click();
				const frame = webviewFrame(page);
				await frame.locator('#transcript-title', { hasText: transcript }).waitFor({ state: 'visible', timeout: 60_000 });
				// The webview's saved state brings back its tab (Sweep, where the checks above left it) and
				// runs the last sweep again: same 5 values, one best bar.
				expect(await frame.locator('#sweep-view').isVisible(), 'the saved tab (Sweep) was not restored');
				await frame.locator('#sweep-table tbody tr').nth(4).waitFor({ state: 'visible', timeout: 60_000 });
				expect((await frame.locator('#sweep-table tbody tr').count()) === 5, 'the sweep did not come back with its 5 values');
				expect((await frame.locator('svg#sweep-bars rect.chart-bar-best').count()) === 1, 'the re-run sweep has no best bar');
				await frame.locator('vscode-tab-header', { hasText: 'Replay' }).click();
				// The host lost its results with the reload; the webview's saved state runs the comparison again.
				const rows = frame.locator('#summary-table tbody tr');
				await rows.nth(2).waitFor({ state: 'visible', timeout: 60_000 });
				const scenario = (await rows.nth(1).innerText()).replace(/\s+/g, ' ');
				// The same comparison as before the reload, to the cent and the percent.
				expect(scenario.includes('Product defaults') && scenario === comparedBeforeReload, `scenario row after reload: ${scenario} (before: ${comparedBeforeReload})`);
				note(`after reload: ${scenario}`);
			},
		},
		{
			name: 'the replay webview ran under its strict CSP without violations',
			async run({ expect }) {
				expect(cspMessages.length === 0, `CSP violations: ${cspMessages.slice(0, 3).join(' | ')}`);
			},
		},
	];
}
