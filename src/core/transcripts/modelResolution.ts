import type { ImportOptions } from './importSupport';
import type { LlmCall } from './model';

/**
 * A model id in a file name, e.g. `taubench_gpt-4o_airline_….json` → `gpt-4o` (tau-bench names its
 * historical trajectories after the agent model). Only well-known family prefixes are recognized.
 */
function modelFromFileName(file: string | undefined): string | undefined {
	if (!file) return undefined;
	const base = file.split(/[\\/]/).pop() ?? '';
	const m = /(?:^|[_\-/.])((?:gpt-\d[a-z0-9.-]*?)|(?:o[134](?:-mini|-pro)?)|(?:claude-[a-z0-9.-]+?)|(?:gemini-[a-z0-9.-]+?))(?=[_/]|\.json|\.jsonl|\.traj|$)/i.exec(base);
	return m?.[1];
}

export interface ResolvedModel {
	readonly model: string;
	readonly source: LlmCall['modelSource'];
}

/** The model for calls whose format records none: the run's config, then `--model`, then the file name. */
export function resolveModel(fromConfig: string | undefined, options: ImportOptions): ResolvedModel {
	if (fromConfig) return { model: fromConfig, source: 'config' };
	if (options.model) return { model: options.model, source: 'option' };
	const guessed = modelFromFileName(options.file);
	if (guessed) return { model: guessed, source: 'fileName' };
	return { model: '', source: 'unknown' };
}
