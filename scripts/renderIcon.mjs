// Renders media/icon.svg to media/icon.png (128×128, the Marketplace icon size) with the harness's
// headless chromium, so the PNG is reproducible from its source. Run after editing the SVG:
//   node scripts/renderIcon.mjs
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser } from '../test/harness/browser.mjs';

const root = resolve(import.meta.dirname, '..');
const svg = readFileSync(join(root, 'media', 'icon.svg'), 'utf8');
const { browser, page } = await launchBrowser({ viewport: { width: 128, height: 128 } });
try {
	await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
	await page.locator('svg').screenshot({ path: join(root, 'media', 'icon.png'), omitBackground: true });
	console.log('renderIcon: media/icon.png written');
} finally {
	await browser.close();
}
