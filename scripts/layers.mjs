// Which folder may import which — the source of truth for eslint.config.mjs and the layer test
// (test/unit/core/layers.test.ts), and what docs/ARCHITECTURE.md describes.

/**
 * The folders of src/core, lowest layer first. A module may import (at run time) its own folder
 * and the folders BELOW it, never one above: so no runtime import cycle can form between folders.
 */
export const coreLayers = [
	'lib', // errors, hashing, disposables: no imports
	'tokens', // the tokenizer and chat counting
	'pricing', // usage, the price catalog
	'ports', // every interface core needs from outside, and the data crossing it
	'config', // the settings schema, PolicySettings
	'transcripts', // the transcript model and importers
	'compression', // messages and history strategies
	'prompts', // the one prompt-file reader
	'providers', // the provider-failure vocabulary
	'routing', // classifier, router, retries and fallbacks
	'caching', // cache keys, exact and semantic caches
	'budget', // the guard, the ledger, money
	'metrics', // Prometheus metrics
	'policy', // THE policy step
	'engine', // the live shell (PolicyEngine)
	'replay', // the replay shell (simulator)
	'live', // live calls, recordings of them
	'gateway', // the agent gateway's wire formats, request accounting and runs
	'sessions', // coding agents' session logs: scanners, the call ledger, grouped totals
	'lens', // the status-bar lens's worker state
	'jobs', // engine-worker job messages
];

/**
 * Type-only imports that go up a layer, each with its reason. A type import is erased at build
 * time (no runtime cycle), but every one needs a reason; the layer test allows these and no more.
 */
export const allowedTypeBackEdges = [
	// The counter implements the port it is counted through.
	['tokens/count.ts', 'ports/tokenCounter'],
];

/** Top-level source folders and what they may import. */
export const sourceRules = {
	// Pure: runs in the extension host, the CLI, workers, the webview and plain unit tests.
	core: { forbid: ['vscode', 'node:', 'src/node', 'src/extension', 'webview'] },
	protocol: { forbid: ['vscode', 'node:', 'src/node', 'src/extension', 'webview'] },
	// Node ports, CLI, workers: no VS Code API (they run outside the extension host too).
	node: { forbid: ['vscode', 'src/extension', 'webview'] },
	// The browser bundle.
	webview: { forbid: ['vscode', 'node:', 'src/node', 'src/extension'] },
};
