// e2e checks of live calls in the packaged extension: the spend status bar item (separate from the
// lens item) and the Spend view it opens — no provider answers here, so nothing is spent: the item
// shows $0.00 against the default $5.00 daily budget — and a call that cannot reach its provider,
// as a user without network meets it.
import { createServer } from 'node:net';
import { notificationToast, pickQuickItem, quickOpenFile, runPaletteCommand, statusBarItem, waitForWorkbench } from './workbench.mjs';

/** A local port nothing listens on (bound, then closed): connections to it are refused. */
function deadPort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

export function liveChecks() {
	return [
		{
			name: "spend status bar item shows today's spend against the daily budget and opens the Spend view",
			timeoutMs: 90_000,
			async run({ page, screenshot, expect, note }) {
				await waitForWorkbench(page);
				const item = statusBarItem(page, 'agentCost.spend');
				await item.waitFor({ state: 'visible', timeout: 60_000 });
				// The first reading comes from the engine worker shortly after activation ("…" until then).
				await item.filter({ hasText: '$0.00 / $5.00' }).waitFor({ state: 'visible', timeout: 30_000 });
				const label = await item.getAttribute('aria-label');
				expect(label !== null && /spent today/.test(label), `aria-label: ${label}`);
				note(`spend item: ${JSON.stringify((await item.innerText()).trim())}, aria-label: ${JSON.stringify(label)}`);
				await screenshot('spend-statusbar-item', item);
				await item.click();
				const header = page.locator('.pane-header', { hasText: 'Agent Cost: Spend' });
				await header.waitFor({ state: 'visible', timeout: 20_000 });
				const today = page.locator('.monaco-list-row', { hasText: 'Today: $0.00' });
				await today.first().waitFor({ state: 'visible', timeout: 20_000 });
				await screenshot('spend-view');
			},
		},
		{
			name: 'offline: Run Prompt File stops at the unreachable host and names it, without walking to a dearer model or blaming a key',
			timeoutMs: 90_000,
			async run({ page, screenshot, expect, note, userSettings }) {
				await waitForWorkbench(page);
				// The extension's commands reach the palette once its host is up (its status item shows).
				await statusBarItem(page, 'agentCost.spend').filter({ hasText: '$0.00 / $5.00' }).waitFor({ state: 'visible', timeout: 60_000 });
				const port = await deadPort();
				userSettings({ 'agentCost.providers.openai.baseUrl': `http://127.0.0.1:${port}/v1` }, { machine: true });
				// The workbench notices the settings file through its file watcher, a moment later.
				await page.waitForTimeout(3000);
				try {
					// A key as a user sets it: palette → provider → the secret input.
					await runPaletteCommand(page, 'Agent Cost: Set API Key', 20_000, { opensPicker: true });
					await pickQuickItem(page, 'OpenAI');
					const input = page.locator('.quick-input-widget input').first();
					await input.waitFor({ state: 'visible', timeout: 10_000 });
					await input.fill('sk-e2e-offline-not-a-real-key');
					await page.keyboard.press('Enter');
					await notificationToast(page, 'saved in VS Code').first().waitFor({ state: 'visible', timeout: 20_000 });

					await quickOpenFile(page, 'code-review.prompt');
					await runPaletteCommand(page, 'Agent Cost: Run Prompt File');
					const toast = notificationToast(page, 'could not be reached');
					await toast.first().waitFor({ state: 'visible', timeout: 60_000 });
					const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
					note(`error: ${text.slice(0, 240)}`);
					expect(text.includes(`127.0.0.1:${port}`), `the message names the host it could not reach: ${text}`);
					expect(text.split(`127.0.0.1:${port}`).length === 2, `the host is named once: ${text}`);
					expect(/gpt-4o/.test(text), `the message names the model that was tried: ${text}`);
					expect(!/claude|anthropic|credential|HTTP undefined/i.test(text), `no fallback to another provider, no blame on a key: ${text}`);
					await screenshot('live-offline-error');
					// Nothing was sent, so nothing is spent.
					await statusBarItem(page, 'agentCost.spend').filter({ hasText: '$0.00 / $5.00' }).waitFor({ state: 'visible', timeout: 20_000 });
				} finally {
					userSettings({ 'agentCost.providers.openai.baseUrl': undefined }, { machine: true });
					await page.keyboard.press('Escape');
				}
			},
		},
	];
}
