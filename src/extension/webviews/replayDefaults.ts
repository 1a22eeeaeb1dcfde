// Builds the settings form's defaults from the user's `agentCost.*` settings. No `vscode` import:
// unit-tested in plain Node (including that no secret-bearing setting can reach the webview).
import type { EngineConfig } from '../../core/config/defaults';
import type { ConfigProblem } from '../../core/config/parseEngineConfig';
import { parseEngineConfig } from '../../core/config/parseEngineConfig';
import { asRecordedScenario, productDefaultScenario, sweepParameters } from '../../core/replay/scenario';
import type { ReplayBootstrap, ReplayDefaults } from '../../protocol/replay';

/** Settings the replay defaults are derived from. */
const replayKeys = ['agentCost.tiers.', 'agentCost.routing.', 'agentCost.compression.', 'agentCost.cache.', 'agentCost.budget.', 'agentCost.defaults.', 'agentCost.contextWindowMax'];

export interface ReplayConfig {
	readonly config: EngineConfig;
	readonly problems: readonly ConfigProblem[];
	readonly defaults: ReplayDefaults;
}

/**
 * Parses raw settings (what `getConfiguration('agentCost')` holds) TOTALLY — bad values fall back to
 * their defaults and are reported — and derives the two starting scenarios of the form. Only
 * {@link ReplayScenario} fields leave this function towards the webview: store URLs, key prefixes
 * and other settings never do.
 */
export function replayConfig(raw: unknown): ReplayConfig {
	const { config, problems } = parseEngineConfig(raw);
	return { config, problems, defaults: replayDefaults(config, problems) };
}

/** The form's two starting scenarios from parsed settings, and the problems the form should show. */
export function replayDefaults(config: EngineConfig, problems: readonly ConfigProblem[]): ReplayDefaults {
	const defaults: ReplayDefaults = {
		asRecorded: asRecordedScenario(config),
		// The user's own routing mode, tiers and budgets: what the product would really do with this run.
		productDefaults: productDefaultScenario(config),
		// Only the keys the form is built from: a problem with, say, the store URL is the log's business
		// and must not carry any part of that value into a webview.
		settingsProblems: problems.filter(p => p.severity === 'error' && replayKeys.some(k => p.key.startsWith(k))).map(p => `${p.key}: ${p.message}`),
	};
	return defaults;
}

/** The sweep's parameter list as the webview shows it. */
export function sweepParameterList(): ReplayBootstrap['sweepParameters'] {
	return (Object.keys(sweepParameters) as (keyof typeof sweepParameters)[]).map(id => ({ id, label: sweepParameters[id].label, integer: sweepParameters[id].integer }));
}
