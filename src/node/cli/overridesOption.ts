import { resolve } from 'node:path';
import { mergePriceOverrides, type PriceOverrides } from '../../core/pricing/overrides';
import { readPriceOverridesFile, readWorkspacePriceOverrides } from '../priceOverridesFile';
import { type CliIo, type ParsedCliArgs, UsageError } from './cliCommand';

/**
 * The price overrides a CLI command uses: `--overrides FILE` on top of the current folder's
 * `.agent-cost/prices.json` (an explicit file wins, as the setting does in the editor). Problems
 * in either file are printed as warnings; a missing or unreadable `--overrides` file is a usage error.
 */
export async function loadCliPriceOverrides(args: ParsedCliArgs, io: CliIo): Promise<PriceOverrides> {
	const layers: PriceOverrides[] = [];
	const explicit = args.values.overrides;
	if (typeof explicit === 'string' && explicit !== '') {
		const file = await readPriceOverridesFile(resolve(io.cwd, explicit), explicit);
		if (!file.found) throw new UsageError(`--overrides: file not found: ${explicit}`);
		if (file.fileError) throw new UsageError(`--overrides: ${file.fileError}`);
		for (const p of file.problems) io.stderr(`agent-cost: warning: ${p}\n`);
		layers.push(file.overrides);
	}
	const workspace = await readWorkspacePriceOverrides(io.cwd);
	for (const p of workspace.problems) io.stderr(`agent-cost: warning: ${p}\n`);
	layers.push(workspace.overrides);
	return mergePriceOverrides(...layers);
}
