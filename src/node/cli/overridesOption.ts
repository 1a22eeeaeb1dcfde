import { resolve } from 'node:path';
import type { PriceOverrides } from '../../core/pricing/overrides';
import { loadPriceOverrides, readPriceOverridesFile, type PriceOverridesFile } from '../priceOverridesFile';
import { type CliIo, type ParsedCliArgs, UsageError } from './cliCommand';

/**
 * The price overrides a CLI command uses: `--overrides FILE` on top of the current folder's
 * `.agent-cost/prices.json` (an explicit file wins, as the setting does in the editor). Problems
 * in either file are printed as warnings; a missing or unreadable `--overrides` file is a usage error.
 */
export async function loadCliPriceOverrides(args: ParsedCliArgs, io: CliIo): Promise<PriceOverrides> {
	const explicit = args.values.overrides;
	let explicitFile: PriceOverridesFile | undefined;
	if (typeof explicit === 'string' && explicit !== '') {
		explicitFile = await readPriceOverridesFile(resolve(io.cwd, explicit), explicit);
		if (!explicitFile.found) throw new UsageError(`--overrides: file not found: ${explicit}`);
		if (explicitFile.fileError) throw new UsageError(`--overrides: ${explicitFile.fileError}`);
	}
	// The CLI enforces no budget and runs where the user runs it: the workspace's price file counts as is.
	const loaded = await loadPriceOverrides({ ...(explicitFile && { explicitFile }), workspaceDir: io.cwd, acceptWorkspaceFile: () => true });
	for (const p of loaded.problems) io.stderr(`agent-cost: warning: ${p}\n`);
	return loaded.overrides;
}
