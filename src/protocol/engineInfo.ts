import { IpcRequest } from './ipc';

/** What the engine runs on, shown in the panel's header and by "Agent Cost: Show Engine Info". */
export interface EngineInfo {
	readonly extensionVersion: string;
	/** Tokenizer encodings available for exact counts. */
	readonly encodings: readonly string[];
	/** Name and version of the price dataset. */
	readonly priceSource: string;
	/** VS Code host kind, e.g. "desktop" or "web". */
	readonly host: string;
}

export const GetEngineInfoRequest = new IpcRequest<void, EngineInfo>('engine/info/get');
