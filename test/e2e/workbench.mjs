// Page-object helpers for the VS Code web workbench (code-server), shared by the e2e checks.
// Selectors are the workbench's own DOM classes; each helper waits for the state it needs rather
// than sleeping, except where REAL-VSCODE.md documents a flake and its fix.

/** The status bar entry of a contributed item: the workbench uses `<extension id>.<item id>` as its DOM id. */
export function statusBarItem(page, itemId) {
	return page.locator(`.statusbar-item[id$=${JSON.stringify(`.${itemId}`)}]`);
}

/** Waits until the workbench has rendered its status bar (the extension host may still be starting). */
export async function waitForWorkbench(page, timeoutMs = 90_000) {
	await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Runs a command from the F1 palette by its full label ("Category: Title").
 * Pitfall 10: Enter pressed right after the list re-filters can be lost, so wait for the focused row
 * that carries the label, give the list 250 ms to settle, press Enter, and wait for the palette to
 * close. F1 itself is retried because the first key press can land before the workbench has focus.
 */
export async function runPaletteCommand(page, label, timeoutMs = 20_000, { opensPicker = false } = {}) {
	const widget = page.locator('.quick-input-widget');
	const input = widget.locator('input.input, .quick-input-box input').first();
	let opened = false;
	for (let attempt = 0; attempt < 3 && !opened; attempt++) {
		await page.keyboard.press('F1');
		opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
			() => true,
			() => false,
		);
	}
	if (!opened) throw new Error('the F1 command palette did not open');
	await input.fill(`>${label}`);
	const row = widget.locator('.monaco-list-row.focused', { hasText: label });
	// A recently used or better-scored command can come first ("Revert and Close Editor" before
	// "Close Editor"): move down to the row with the label.
	const first = await row.waitFor({ state: 'visible', timeout: 3000 }).then(
		() => true,
		() => false,
	);
	for (let i = 0; !first && i < 15 && !(await row.isVisible()); i++) {
		await page.keyboard.press('ArrowDown');
		await page.waitForTimeout(50);
	}
	await row.waitFor({ state: 'visible', timeout: timeoutMs });
	await page.waitForTimeout(250);
	await page.keyboard.press('Enter');
	// A command that opens its own picker reuses the widget: wait for the palette's ">" filter to go instead.
	if (opensPicker) await page.waitForFunction(el => el && !el.value.startsWith('>'), await input.elementHandle(), { timeout: timeoutMs });
	else await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/**
 * The document inside a webview panel: VS Code nests it as `iframe.webview.ready` (the host frame,
 * marked ready once loaded) → `iframe#active-frame` (our HTML). With several webviews open, pass the
 * index of the one you mean.
 */
export function webviewFrame(page, index = 0) {
	return page.locator('iframe.webview.ready').nth(index).contentFrame().locator('iframe#active-frame').contentFrame();
}

/** The editor tab with exactly this title. */
export function editorTab(page, title) {
	return page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: title }) });
}

/** A notification toast (real toasts only appear without the smoke-test driver, i.e. in this e2e run). */
export function notificationToast(page, text) {
	return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

/**
 * Opens a workspace file in an editor through Quick Open (Ctrl+P), like a user would. Same settling
 * as the palette (pitfall 10): wait for the focused row with the name, 250 ms, Enter, widget hidden.
 */
export async function quickOpenFile(page, fileName, timeoutMs = 20_000) {
	const widget = page.locator('.quick-input-widget');
	const input = widget.locator('input.input, .quick-input-box input').first();
	let opened = false;
	for (let attempt = 0; attempt < 3 && !opened; attempt++) {
		await page.keyboard.press('Control+P');
		opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
			() => true,
			() => false,
		);
	}
	if (!opened) throw new Error('Quick Open did not open');
	await input.fill(fileName);
	await widget.locator('.monaco-list-row.focused', { hasText: fileName }).waitFor({ state: 'visible', timeout: timeoutMs });
	await page.waitForTimeout(250);
	await page.keyboard.press('Enter');
	await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
	// File tabs carry the file name as data (their label is split into highlighted spans).
	await page.locator(`.tabs-container .tab[data-resource-name=${JSON.stringify(fileName)}]`).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Clicks the item with this label in the open quick pick (a command's own picker), as a user would with the mouse. */
export async function pickQuickItem(page, label, timeoutMs = 20_000) {
	const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
	await row.waitFor({ state: 'visible', timeout: timeoutMs });
	await page.waitForTimeout(250);
	await row.click();
}

/** Switches the color theme through "Preferences: Color Theme", as a user would, and waits for the workbench to wear it. */
export async function setColorTheme(page, label, themeClass) {
	await runPaletteCommand(page, 'Preferences: Color Theme', 20_000, { opensPicker: true });
	const widget = page.locator('.quick-input-widget');
	const input = widget.locator('input.input, .quick-input-box input').first();
	await input.fill(label);
	await widget.locator('.monaco-list-row.focused', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[+]/g, '\\+')}$`) }) }).waitFor({ state: 'visible', timeout: 20_000 });
	await page.waitForTimeout(250);
	await page.keyboard.press('Enter');
	await widget.waitFor({ state: 'hidden', timeout: 20_000 });
	await page.locator(`.monaco-workbench.${themeClass}`).waitFor({ state: 'attached', timeout: 20_000 });
}
