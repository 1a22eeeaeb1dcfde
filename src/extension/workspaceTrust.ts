import * as vscode from 'vscode';
import { EngineError } from '../core/lib/errors';

/** What needs a trusted workspace (see `capabilities.untrustedWorkspaces` in package.json). */
export type TrustedFeature = 'liveCalls' | 'summary' | 'exactCount' | 'metrics';

const what: Record<TrustedFeature, string> = {
	liveCalls: 'Live calls send the prompt out with your API key and record it in the workspace',
	summary: 'A summarizing Compress Prompt sends the prompt out with your API key',
	exactCount: "Exact Claude counts send the prompt to Anthropic's countTokens with your key",
	metrics: 'The metrics endpoint serves spend data on a local port',
};

/** A feature that sends text out, spends or serves data was asked for in Restricted Mode. */
export class RestrictedModeError extends EngineError<'untrusted'> {
	readonly kind = 'trust';
	constructor(readonly feature: TrustedFeature) {
		super(
			'untrusted',
			`${what[feature]}, so it needs a trusted workspace; this one is in Restricted Mode. Trust it (Manage Workspace Trust) to continue. Counting, transcript reports and replays work as they are.`,
		);
	}
	static is(e: unknown): e is RestrictedModeError {
		return e instanceof RestrictedModeError;
	}
}

/** Throws {@link RestrictedModeError} unless the workspace is trusted. */
export function requireTrust(feature: TrustedFeature): void {
	if (!vscode.workspace.isTrusted) throw new RestrictedModeError(feature);
}

/** Shows why a feature is off in Restricted Mode, with a button to manage trust. */
export function explainRestricted(e: RestrictedModeError): void {
	void vscode.window.showWarningMessage(`Agent Cost: ${e.message}`, 'Manage Workspace Trust').then(choice => {
		if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
	});
}
