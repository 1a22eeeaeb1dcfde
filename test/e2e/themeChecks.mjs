// e2e: the replay charts take their colours from the VS Code theme, and every series stays visible
// when the user switches to Dark+ or High Contrast (one line was nearly invisible in Dark+ before).
// Measured, not eyeballed: each line's computed stroke against the panel's computed background must
// reach WCAG's 3:1 contrast for graphics, and no two series may share a colour. Screenshots of each.
import { setColorTheme, webviewFrame } from './workbench.mjs';

/** `cls`: the workbench's theme class; `kind`: the class VS Code puts on a webview's body for that theme. */
const themes = [
	{ label: 'Dark+', cls: 'vs-dark', kind: 'vscode-dark', shot: 'replay-charts-dark-plus' },
	{ label: 'Dark High Contrast', cls: 'hc-black', kind: 'vscode-high-contrast', shot: 'replay-charts-high-contrast' },
	{ label: 'Light Modern', cls: 'vs', kind: 'vscode-light', shot: 'replay-charts-light-modern' },
];

/** Runs in the webview: the background and every chart line's and legend swatch's colour, with contrast ratios. */
function measureCharts() {
	// Computed colours come as rgb()/rgba(), or as color(srgb …) for a relative colour (channels 0–1).
	const rgb = css => {
		const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css);
		if (m) return { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] };
		const c = /color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)/.exec(css);
		return c ? { r: +c[1] * 255, g: +c[2] * 255, b: +c[3] * 255, a: c[4] === undefined ? 1 : +c[4] } : undefined;
	};
	const over = (c, bg) => ({ r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a), b: c.b * c.a + bg.b * (1 - c.a), a: 1 });
	const lum = c => {
		const ch = v => {
			const s = v / 255;
			return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
		};
		return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
	};
	const contrast = (a, b) => {
		const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
		return (x + 0.05) / (y + 0.05);
	};
	const bg = rgb(getComputedStyle(document.body).backgroundColor);
	const series = [...document.querySelectorAll('svg#chart-cost path.chart-line')].map(p => {
		const s = getComputedStyle(p);
		const stroke = rgb(s.stroke);
		// No colour at all ("none": the theme variable is missing) is contrast 0.
		if (!stroke) return { name: p.getAttribute('data-series'), stroke: s.stroke, contrast: 0 };
		const c = over({ ...stroke, a: stroke.a * Number(s.strokeOpacity || 1) * Number(s.opacity || 1) }, bg);
		return { name: p.getAttribute('data-series'), stroke: s.stroke, contrast: Math.round(contrast(c, bg) * 100) / 100 };
	});
	return { background: getComputedStyle(document.body).backgroundColor, series };
}

export function themeChecks() {
	return themes.map(theme => ({
		name: `replay charts in ${theme.label}: every series is visible (contrast ≥ 3:1 against the panel) and has its own colour`,
		timeoutMs: 60_000,
		async run({ page, screenshot, expect, note }) {
			await setColorTheme(page, theme.label, theme.cls);
			const frame = webviewFrame(page);
			// The workbench pushes the theme's class and variables into the webview together, asynchronously.
			await frame.locator(`body.${theme.kind}`).waitFor({ state: 'attached', timeout: 20_000 });
			await frame.locator('svg#chart-cost path.chart-line').first().waitFor({ state: 'visible', timeout: 20_000 });
			const measured = await frame.locator('body').evaluate(measureCharts);
			note(`${theme.label}: background ${measured.background}; ${measured.series.map(s => `${s.name} ${s.stroke} ${s.contrast}:1`).join('; ')}`);
			expect(measured.series.length === 3, `series: ${measured.series.length}`);
			for (const s of measured.series) expect(s.contrast >= 3, `${theme.label}: "${s.name}" (${s.stroke}) has contrast ${s.contrast}:1 against ${measured.background}`);
			expect(new Set(measured.series.map(s => s.stroke)).size === measured.series.length, `${theme.label}: two series share a colour: ${measured.series.map(s => s.stroke).join(', ')}`);
			await screenshot(theme.shot, frame.locator('#charts'));
		},
	}));
}
