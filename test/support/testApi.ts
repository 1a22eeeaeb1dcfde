import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';

/**
 * The extension's test surface. It exists only when VS Code runs the extension under its test
 * runner (`ExtensionMode.Test`), as the integration harness and the lens benchmark do.
 */
export function testSurface(api: AgentCostApi): AgentCostTestApi {
	if (!api.testing) throw new Error('the extension exposes its test surface only under the VS Code test runner (ExtensionMode.Test)');
	return api.testing;
}
