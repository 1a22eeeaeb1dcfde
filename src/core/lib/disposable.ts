/** Structurally compatible with `vscode.Disposable`, so core objects can be pushed to `context.subscriptions`. */
export interface Disposable {
	dispose(): void;
}

/** Owns a list of disposables; anything registered after disposal is disposed at once. */
export class DisposableStore implements Disposable {
	private readonly items: Disposable[] = [];
	private disposed = false;

	/** Takes ownership of `item` (and `more`); returns `item`, so `this.x = store.add(new X())` reads naturally. */
	add<T extends Disposable>(item: T, ...more: Disposable[]): T {
		for (const d of [item, ...more]) {
			if (this.disposed) d.dispose();
			else this.items.push(d);
		}
		return item;
	}

	get isDisposed(): boolean {
		return this.disposed;
	}

	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		// Reverse order: later registrations may depend on earlier ones.
		for (const item of this.items.splice(0).reverse()) {
			try {
				item.dispose();
			} catch {
				// one failing disposable must not keep the others alive
			}
		}
	}
}
