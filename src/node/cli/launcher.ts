// dist/cli.js, the `agent-cost` binary: hands the command line to the bundle that implements the
// command. `sessions` has its own small bundle (dist/sessionsCli.js) so it starts in a fraction of
// the time and memory the full CLI bundle (dist/cliMain.js: tokenizer ranks, price data, provider
// SDKs) needs just to load. Nothing else belongs here.
import { join } from 'node:path';
import type { CliIo } from './cliCommand';

const argv = process.argv.slice(2);
const bundle = argv[0] === 'sessions' ? 'sessionsCli.js' : 'cliMain.js';
// A runtime path, not an import: esbuild must not pull the bundles into this file.

const cli = require(join(__dirname, bundle)) as { runCli(argv: string[], io: CliIo): Promise<number>; processIo: CliIo };
void cli.runCli(argv, cli.processIo).then(code => {
	process.exitCode = code;
});
