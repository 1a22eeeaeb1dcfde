import * as vscode from 'vscode';
import { settingDefault, type EngineConfig, type SettingKey } from '../../core/config/defaults';
import { defaultEngineConfig, parseEngineConfig } from '../../core/config/parseEngineConfig';
import { modelIdProblem } from '../../core/lens/modelId';
import { createPromptMatcher, type PromptMatcher } from '../../core/lens/promptGlobs';
import { mergePriceOverrides, parsePriceOverrides, type PriceOverrides } from '../../core/pricing/overrides';
import { readWorkspacePriceOverrides } from '../../node/priceOverridesFile';

/** The settings the lens uses, parsed once per change. */
export interface LensConfig {
	readonly config: EngineConfig;
	readonly matcher: PromptMatcher;
}

/**
 * The lens's view of `agentCost.*`: parsed with `parseEngineConfig` (never throws: an unusable
 * value falls back to its default) and logged once per distinct problem in the container's log
 * channel. Price overrides are the setting on top of the workspace file, as everywhere else.
 */
export class LensSettings {
	private current: LensConfig | undefined;
	private readonly logged = new Set<string>();

	constructor(private readonly log: vscode.LogOutputChannel) {}

	/** The parsed settings (read on first use, then after {@link invalidate}). */
	get value(): LensConfig {
		this.current ??= this.read();
		return this.current;
	}

	invalidate(): void {
		this.current = undefined;
	}

	/** `agentCost.pricing.overrides` on top of the workspace's overrides file; problems are logged. */
	async priceOverrides(): Promise<PriceOverrides> {
		const { config } = this.value;
		const fromSetting = parsePriceOverrides(config.pricing.overrides);
		for (const p of fromSetting.problems) this.warnOnce(`agentCost.pricing.overrides: ${p}`);
		const folder = vscode.workspace.workspaceFolders?.[0];
		if (!folder || folder.uri.scheme !== 'file') return fromSetting.overrides;
		const file = await readWorkspacePriceOverrides(folder.uri.fsPath, config.pricing.overridesFile);
		for (const p of file.problems) this.warnOnce(p);
		return mergePriceOverrides(fromSetting.overrides, file.overrides);
	}

	private read(): LensConfig {
		let config: EngineConfig;
		try {
			// A plain copy: the configuration object carries methods the parser must not see.
			const raw = JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('agentCost'))) as unknown;
			const parsed = parseEngineConfig(raw);
			for (const p of parsed.problems) this.warnOnce(`setting ${p.key}: ${p.message}`);
			config = parsed.config;
		} catch (e) {
			this.warnOnce(`settings could not be read (${e instanceof Error ? e.message : String(e)}); the lens uses the defaults`);
			config = defaultEngineConfig();
		}
		const matcher = createPromptMatcher(config.lens.promptGlobs);
		for (const p of matcher.problems) this.warnOnce(p);
		return { config: this.usableModels(config), matcher };
	}

	/** The worker refuses ids it cannot use (spaces, control characters): such a setting falls back to its default. */
	private usableModels(config: EngineConfig): EngineConfig {
		const usable = (key: SettingKey, id: string): string => {
			const problem = modelIdProblem(id);
			if (!problem) return id.trim();
			this.warnOnce(`setting ${key}: ${problem}; the lens uses ${String(settingDefault(key))}`);
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

	private warnOnce(problem: string): void {
		if (this.logged.has(problem)) return;
		this.logged.add(problem);
		this.log.warn(problem);
	}
}
