import { settingDefault, type EngineConfig, type SettingKey } from '../../core/config/defaults';
import { modelIdProblem } from '../../core/tokens/modelId';
import { createPromptMatcher, type PromptMatcher } from '../../core/prompts/promptGlobs';
import type { PriceOverrides } from '../../core/pricing/overrides';
import type { EngineSettings } from '../engineSettings';

/** The settings the lens uses, parsed once per change. */
export interface LensConfig {
	readonly config: EngineConfig;
	readonly matcher: PromptMatcher;
}

/**
 * The lens's view of the extension's settings ({@link EngineSettings}, the one reader of
 * `agentCost.*`): the prompt-file matcher and model ids the worker can use, derived once per
 * settings change. Problems are logged once.
 */
export class LensSettings {
	private current: { readonly from: EngineConfig; readonly value: LensConfig } | undefined;

	constructor(private readonly engine: EngineSettings) {}

	/** The derived settings (rebuilt when the engine settings object changes). */
	get value(): LensConfig {
		const config = this.engine.config;
		if (this.current?.from !== config) {
			const matcher = createPromptMatcher(config.lens.promptGlobs);
			for (const p of matcher.problems) this.engine.warnOnce(p);
			this.current = { from: config, value: { config: this.usableModels(config), matcher } };
		}
		return this.current.value;
	}

	/** `agentCost.pricing.overrides` on top of the workspace's overrides file. */
	priceOverrides(): Promise<PriceOverrides> {
		return this.engine.priceOverrides();
	}

	/** The worker refuses ids it cannot use (spaces, control characters): such a setting falls back to its default. */
	private usableModels(config: EngineConfig): EngineConfig {
		const usable = (key: SettingKey, id: string): string => {
			const problem = modelIdProblem(id);
			if (!problem) return id.trim();
			this.engine.warnOnce(`setting ${key}: ${problem}; the lens uses ${String(settingDefault(key))}`);
			return String(settingDefault(key));
		};
		return {
			...config,
			lens: { ...config.lens, model: usable('agentCost.lens.model', config.lens.model) },
			tiers: {
				cheap: usable('agentCost.tiers.cheap', config.tiers.cheap),
				medium: usable('agentCost.tiers.medium', config.tiers.medium),
				expensive: usable('agentCost.tiers.expensive', config.tiers.expensive),
			},
		};
	}
}
