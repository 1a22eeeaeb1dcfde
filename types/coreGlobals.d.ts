// The few web-standard globals that every runtime of src/core provides (Node ≥ 20, browsers,
// VS Code's extension host and webviews). Only tsconfig.core.json sees this file: core is checked
// without DOM or Node typings, so anything else it touches fails the type check.

interface AbortSignal {
	readonly aborted: boolean;
	readonly reason: unknown;
	addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
	removeEventListener(type: 'abort', listener: () => void): void;
	throwIfAborted(): void;
}
declare var AbortSignal: {
	prototype: AbortSignal;
	abort(reason?: unknown): AbortSignal;
	timeout(ms: number): AbortSignal;
	any(signals: AbortSignal[]): AbortSignal;
};
interface AbortController {
	readonly signal: AbortSignal;
	abort(reason?: unknown): void;
}
declare var AbortController: { prototype: AbortController; new (): AbortController };

interface TextEncoder {
	encode(input?: string): Uint8Array;
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
interface TextDecoder {
	decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
declare var TextDecoder: { prototype: TextDecoder; new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder };

declare function setTimeout(handler: (...args: unknown[]) => void, timeout?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function queueMicrotask(callback: () => void): void;

declare var console: {
	log(...data: unknown[]): void;
	warn(...data: unknown[]): void;
	error(...data: unknown[]): void;
};
