// Which cloud providers rejected their API key on the last call. A request whose cloud call is refused
// (HTTP 401/403) falls over to a node and gets answered, so without this the user would never learn that
// the key is bad: the editor shows it in the panel and the status bar, and tells the user once per rejection.

export interface KeyRejection {
  provider: string;
  /** The provider's refusal, as the user should read it (what failed, what to do). */
  message: string;
}

/** A provider's key went from accepted to rejected, or back. */
export type KeyHealthChange = { provider: string; rejected: true; message: string } | { provider: string; rejected: false };

export class CloudKeyHealth {
  private readonly rejections = new Map<string, string>();
  private readonly listeners = new Set<(change: KeyHealthChange) => void>();

  /** Reported only on the change: repeated refusals of the same key notify nobody again. */
  rejected(provider: string, message: string): void {
    if (this.rejections.has(provider)) return;
    this.rejections.set(provider, message);
    this.emit({ provider, rejected: true, message });
  }

  /** The provider answered, or the user set a new key: the rejection no longer holds. */
  cleared(provider: string): void {
    if (!this.rejections.delete(provider)) return;
    this.emit({ provider, rejected: false });
  }

  list(): KeyRejection[] {
    return [...this.rejections].map(([provider, message]) => ({ provider, message }));
  }

  onChange(listener: (change: KeyHealthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: KeyHealthChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
