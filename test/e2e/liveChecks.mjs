// e2e checks of live calls in the packaged extension: the spend status bar item (separate from the
// lens item) and the Spend view it opens. No provider is configured here, so nothing is spent: the
// item shows $0.00 against the default $5.00 daily budget.
import { statusBarItem, waitForWorkbench } from './workbench.mjs';

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
	];
}
