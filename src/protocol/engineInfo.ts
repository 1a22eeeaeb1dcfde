import { IpcCommand, IpcNotification } from './ipc';

/** What the engine runs on, shown by "Agent Cost: Show Engine Info" (a command, not a panel button: it is for debugging). */
export interface EngineInfo {
	readonly extensionVersion: string;
	/** Tokenizer encodings available for exact counts. */
	readonly encodings: readonly string[];
	/** Name and version of the price dataset. */
	readonly priceSource: string;
	/** VS Code host kind, e.g. "desktop" or "web". */
	readonly host: string;
}

/** Health check, host → webview: the panel answers with {@link ReplayPanelPongCommand} once it has rendered. */
export interface PanelPing {
	/** Echoed back so the host can pair the answer with this ping. */
	readonly nonce: string;
}

/** The panel's answer to a {@link PanelPing}: what it actually rendered, read from its own DOM. */
export interface PanelPong {
	readonly nonce: string;
	/** The panel that answered, e.g. "replay". */
	readonly panel: string;
	/** True when the `@vscode-elements/elements` custom elements are registered (the bundle loaded). */
	readonly elementsDefined: boolean;
	/** Ids of the interactive controls present in the document. */
	readonly controls: readonly string[];
	/** Rendered tables by id, with their body row counts. */
	readonly tables?: Readonly<Record<string, number>>;
	/** Ids of the rendered SVG charts. */
	readonly charts?: readonly string[];
	/** The view (tab) shown. */
	readonly view?: string;
	/** Random per loaded document: changes when the webview's document was rebuilt (hidden and shown again, reloaded). */
	readonly documentId?: string;
	/** Content-Security-Policy violations the document reported (should be none). */
	readonly cspViolations?: readonly string[];
}

export const PanelPingNotification = new IpcNotification<PanelPing>('panel/ping');
export const PanelPongCommand = new IpcCommand<PanelPong>('panel/pong');
