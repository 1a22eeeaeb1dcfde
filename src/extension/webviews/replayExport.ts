// The comparison exports, rendered on the host from the host's own copy of the results (never from
// data the webview sends back). No `vscode` import: unit-tested in plain Node.
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import type { ReplayComparison } from '../../core/replay/comparison';
import { comparisonCsv, comparisonJson, comparisonMarkdown } from '../../core/replay/comparison';
import type { ReplayExportFormat } from '../../protocol/replay';

export interface RenderedExport {
	readonly content: string;
	/** VS Code language id of the untitled document it opens in. */
	readonly language: string;
}

export const replayExportFormats: readonly ReplayExportFormat[] = ['markdown', 'csv', 'json'];

/** Markdown report, one CSV row per scenario step, or the CLI's `--json` shape. */
export function renderComparisonExport(comparison: ReplayComparison, format: ReplayExportFormat): RenderedExport {
	switch (format) {
		case 'markdown':
			return { content: comparisonMarkdown(comparison), language: 'markdown' };
		case 'csv':
			// No CSV language ships with VS Code; plain text keeps the columns readable.
			return { content: comparisonCsv(comparison), language: 'plaintext' };
		case 'json':
			return { content: stringifyForOutput(comparisonJson(comparison), 2) + '\n', language: 'json' };
	}
}
