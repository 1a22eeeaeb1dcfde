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
//   screenshot(name, locator?)  saves test-results/screenshots/<name>.png (page or element)
//   expect(cond, message)       throws `message` unless cond
//   note(message)               records a detail (printed, and kept in e2e.json) — e.g. what was read
//   foreignRequests()           non-local URLs the page tried to load so far
// plus the helpers of ./workbench.mjs (import them). Give a check `timeoutMs` if it needs more than 60 s.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkPackageFiles } from '../../scripts/package.mjs';
import { liveChecks } from './liveChecks.mjs';
import { editorTab, notificationToast, runPaletteCommand, statusBarItem, waitForWorkbench, webviewFrame } from './workbench.mjs';

function listFiles(dir, root = dir) {
	return readdirSync(dir).flatMap(name => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? listFiles(path, root) : [relative(root, path)];
	});
}

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
			// vsce stores README.md as readme.md and LICENSE as LICENSE.txt; code-server adds `.vsixmanifest`.
			const renamed = { 'readme.md': 'README.md', 'LICENSE.txt': 'LICENSE' };
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
			// The item appears once the extension host has activated the extension (onStartupFinished).
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
	...liveChecks(),
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
		name: 'webview button gets the extension host\'s answer',
		async run({ page, manifest, screenshot }) {
			const frame = webviewFrame(page);
			const button = frame.locator('#engine-info-btn');
			await button.waitFor({ state: 'visible', timeout: 30_000 });
			await button.click();
			const out = frame.locator('#engine-info');
			// Only the host knows the version and host kind: seeing them proves the round trip.
			await out.filter({ hasText: `Agent Cost Lens ${manifest.version} on web` }).waitFor({ state: 'visible', timeout: 20_000 });
			await screenshot('replay-panel-engine-info');
		},
	},
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
		name: 'the page never tried to reach a host other than 127.0.0.1',
		async run({ foreignRequests, expect }) {
			const urls = foreignRequests();
			expect(urls.length === 0, `non-local requests: ${urls.slice(0, 3).join(', ')}`);
		},
	},
];
