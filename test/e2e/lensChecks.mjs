// e2e checks of the status-bar lens in the packaged extension: open a prompt file like a user, read
// the item's text, hover it for the Markdown tooltip (screenshots of both), click it and pick a model
// in the quick pick. The numbers themselves are checked against the engine in the integration tests
// (test/integration/lens.test.ts); here it is what a user sees and does.
import { quickOpenFile, statusBarItem, waitForWorkbench } from './workbench.mjs';

/** `$(symbol-numeric) 123 tok · $0.000325 · gpt-4o` as rendered (the input cost; the codicon becomes an icon element). */
const lensText = /^\s*(≈)?[\d,]+ tok · (≈)?\$\d+\.\d+ · (\S+)\s*$/;

export function lensChecks() {
	return [
		{
			name: 'status bar lens shows tokens · cost · model for the open prompt file',
			timeoutMs: 120_000,
			async run({ page, screenshot, expect, note }) {
				await waitForWorkbench(page);
				await quickOpenFile(page, 'code-review.prompt');
				const item = statusBarItem(page, 'agentCost.lens');
				await item.filter({ hasText: /tok · \$\d/ }).waitFor({ state: 'visible', timeout: 90_000 });
				const text = (await item.innerText()).trim();
				const m = lensText.exec(text);
				expect(m !== null && m[3] === 'gpt-4o', `lens text: ${JSON.stringify(text)}`);
				expect(m[1] === undefined, 'gpt-4o counts are exact: no ≈');
				const label = await item.getAttribute('aria-label');
				expect(label !== null && /tokens, input cost \$\d/.test(label), `aria-label: ${label}`);
				note(`lens: ${JSON.stringify(text)}, aria-label: ${JSON.stringify(label)}`);
				await screenshot('lens-statusbar-item', item);
			},
		},
		{
			name: 'hovering the lens shows its tooltip: convention, costs, context window, tiers',
			timeoutMs: 60_000,
			async run({ page, screenshot, expect, note }) {
				const item = statusBarItem(page, 'agentCost.lens');
				const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'Agent Cost Lens' });
				// The hover opens after the workbench's hover delay; move away and back if the first try misses.
				for (let attempt = 0; attempt < 3 && !(await hover.isVisible()); attempt++) {
					await page.mouse.move(10, 10);
					await item.hover();
					await hover
						.first()
						.waitFor({ state: 'visible', timeout: 10_000 })
						.catch(() => undefined);
				}
				await hover.first().waitFor({ state: 'visible', timeout: 5_000 });
				const body = (await hover.first().innerText()).replace(/\s+/g, ' ');
				for (const part of [
					'one user message',
					'per 1,000 calls',
					'With output',
					'assumed output',
					'Cached input',
					'Context window',
					'Input cost by tier',
					'gpt-4o-mini',
					'claude-opus-4-6',
					'Change model',
				]) {
					expect(body.includes(part), `tooltip lacks "${part}": ${body.slice(0, 300)}`);
				}
				note(`tooltip: ${body.slice(0, 160)}…`);
				await screenshot('lens-tooltip', hover.first());
				// The whole window: the item and its tooltip together, as a user sees them.
				await screenshot('lens-statusbar-with-tooltip');
				await page.mouse.move(10, 10);
				await page.keyboard.press('Escape');
			},
		},
		{
			name: 'context attribution: a CodeLens above each message and tool definition says what it costs',
			timeoutMs: 90_000,
			async run({ page, screenshot, expect, note }) {
				await quickOpenFile(page, 'triage-agent.request.messages.json');
				// CodeLens titles are `#1 system · ≈45 tok · ≈$0.000018 · 11%` (≈: an OpenAI chat with tools is an estimate).
				const lenses = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration');
				await lenses
					.filter({ hasText: /tool lookup_customer · ≈[\d,]+ tok/ })
					.first()
					.waitFor({ state: 'visible', timeout: 60_000 });
				// Prices arrive a moment after the counts.
				await lenses
					.filter({ hasText: /^\s*#1 system · ≈?[\d,]+ tok · ≈?\$\d/ })
					.first()
					.waitFor({ state: 'visible', timeout: 20_000 });
				const titles = (await lenses.allInnerTexts()).map(t => t.replace(/\s+/g, ' ').trim()).filter(t => / tok/.test(t));
				note(`attribution lenses: ${JSON.stringify(titles)}`);
				expect(
					titles.some(t => /^#1 system · ≈?[\d,]+ tok · ≈?\$\d/.test(t)),
					`a system-message lens with its cost: ${JSON.stringify(titles)}`,
				);
				expect(
					titles.some(t => /^#2 user · ≈?[\d,]+ tok/.test(t)),
					'a user-message lens',
				);
				expect(
					titles.some(t => /^\d+ tool definitions · /.test(t)),
					'a lens over the tools array',
				);
				expect(
					titles.every(t => /(\d+%|<1%)$/.test(t)),
					'every lens ends with its share of the prompt',
				);
				await screenshot('lens-attribution');
				// Later checks read the lens of the first prompt file.
				await quickOpenFile(page, 'code-review.prompt');
			},
		},
		{
			name: 'clicking the lens opens the model quick pick; a pick re-prices the prompt',
			timeoutMs: 60_000,
			async run({ page, screenshot, expect, note }) {
				const item = statusBarItem(page, 'agentCost.lens');
				await item.click();
				const widget = page.locator('.quick-input-widget');
				const input = widget.locator('input.input, .quick-input-box input').first();
				await input.waitFor({ state: 'visible', timeout: 10_000 });
				await widget.locator('.monaco-list-row', { hasText: 'gpt-4o-mini' }).first().waitFor({ state: 'visible', timeout: 10_000 });
				await screenshot('lens-model-pick');
				await input.fill('claude-sonnet-4-5');
				await widget.locator('.monaco-list-row.focused', { hasText: 'claude-sonnet-4-5' }).waitFor({ state: 'visible', timeout: 10_000 });
				await page.waitForTimeout(250);
				await page.keyboard.press('Enter');
				await widget.waitFor({ state: 'hidden', timeout: 10_000 });
				// The count comes first, the price a moment later (`$…` while the worker answers).
				await item.filter({ hasText: /\$\d.*claude-sonnet-4-5/ }).waitFor({ state: 'visible', timeout: 20_000 });
				const text = (await item.innerText()).trim();
				const m = lensText.exec(text);
				expect(m !== null && m[1] === '≈' && m[2] === '≈', `a Claude count is an estimate, marked ≈: ${JSON.stringify(text)}`);
				note(`after the pick: ${JSON.stringify(text)}`);
				await screenshot('lens-statusbar-claude', item);
				// Back to the default, so later checks see the usual state.
				await item.click();
				await input.waitFor({ state: 'visible', timeout: 10_000 });
				await input.fill('Use the default');
				await widget.locator('.monaco-list-row.focused', { hasText: 'Use the default' }).waitFor({ state: 'visible', timeout: 10_000 });
				await page.waitForTimeout(250);
				await page.keyboard.press('Enter');
				await item.filter({ hasText: /\$\d.* gpt-4o\s*$/ }).waitFor({ state: 'visible', timeout: 20_000 });
			},
		},
	];
}
