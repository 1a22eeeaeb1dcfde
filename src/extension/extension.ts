import type * as vscode from 'vscode';
import { Container } from './container';
import { createApi, type AgentCostApi } from './api';

/** Activation stays cheap: the container wires services; heavy work starts on first use. */
export function activate(context: vscode.ExtensionContext): AgentCostApi {
	const container = new Container(context);
	context.subscriptions.push(container);
	return createApi(container);
}

export function deactivate(): void {
	// Everything is owned by the container, which VS Code disposes through context.subscriptions.
}
