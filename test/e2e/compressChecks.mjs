// e2e checks of Compress Prompt in the packaged extension, driven from the F1 palette like a user:
// a wordy Markdown prompt gets a lossy preview (diff editor + Apply/Cancel toast, cancelled here so the
// sample workspace stays as it is); a chat file whose only "saving" would be its JSON layout gets a
// "nothing to save" message and no preview. The rules are unit-tested; this is what a user sees.
import { notificationToast, pickQuickItem, quickOpenFile, runPaletteCommand } from './workbench.mjs';

export function compressChecks() {
	return [
		{
			name: 'Compress Prompt (lossy) previews a diff with the tokens sent before → after, then Cancel leaves the file alone',
			timeoutMs: 120_000,
			async run({ page, screenshot, expect, note }) {
				await quickOpenFile(page, 'onboarding-reply.prompt.md');
				await runPaletteCommand(page, 'Agent Cost: Compress Prompt', 20_000, { opensPicker: true });
				await pickQuickItem(page, 'Lossy');
				// The target ratio input box, prefilled with 0.8.
				const box = page.locator('.quick-input-widget', { hasText: 'Target ratio' });
				await box.waitFor({ state: 'visible', timeout: 20_000 });
				await page.waitForTimeout(250);
				await page.keyboard.press('Enter');
				const toast = notificationToast(page, 'Apply the compressed text to onboarding-reply.prompt.md?');
				await toast.waitFor({ state: 'visible', timeout: 90_000 });
				const message = (await toast.innerText()).replace(/\s+/g, ' ');
				expect(/\d+ → \d+ tokens sent \(−\d+%\)/.test(message), `toast: ${message}`);
				const diffTab = page.locator('.tabs-container .tab', { hasText: '↔ lossy' });
				await diffTab.waitFor({ state: 'visible', timeout: 20_000 });
				await page.locator('.monaco-diff-editor .view-lines', { hasText: 'The customer has just signed up' }).first().waitFor({ state: 'visible', timeout: 20_000 });
				note(`toast: ${message.slice(0, 200)}`);
				await screenshot('compress-lossy-preview');
				const cancel = toast.getByRole('button', { name: 'Cancel' });
				// A toast can keep sliding while the diff editor lays out; then the click goes in as a DOM event.
				await cancel.click({ timeout: 5_000 }).catch(() => cancel.dispatchEvent('click'));
				await diffTab.waitFor({ state: 'detached', timeout: 20_000 });
				const tab = page.locator('.tabs-container .tab[data-resource-name="onboarding-reply.prompt.md"]');
				expect(!(await tab.getAttribute('class'))?.includes('dirty'), 'cancel must not edit the file');
			},
		},
		{
			name: 'Compress Prompt says "nothing to save" for a chat file whose JSON layout is not sent — no preview, no Apply',
			timeoutMs: 90_000,
			async run({ page, screenshot, expect, note }) {
				await quickOpenFile(page, 'refactor-agent.messages.json');
				await runPaletteCommand(page, 'Agent Cost: Compress Prompt', 20_000, { opensPicker: true });
				await pickQuickItem(page, 'Lossless');
				const toast = notificationToast(page, 'Nothing to save');
				await toast.waitFor({ state: 'visible', timeout: 60_000 });
				const message = (await toast.innerText()).replace(/\s+/g, ' ');
				expect(/re-serialized before sending/.test(message), `toast: ${message}`);
				expect((await toast.locator('.monaco-button', { hasText: 'Apply' }).count()) === 0, 'nothing to apply');
				expect((await page.locator('.tabs-container .tab', { hasText: '↔ lossless' }).count()) === 0, 'no diff preview');
				note(`toast: ${message.slice(0, 200)}`);
				await screenshot('compress-nothing-to-save');
				await runPaletteCommand(page, 'Notifications: Clear All Notifications');
			},
		},
	];
}
