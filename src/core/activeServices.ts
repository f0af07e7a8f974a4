// Demo answers are simulated, so nothing users do with them may teach or count for real use: not their
// thumbs (feedback, few-shot examples), router training rows and predictions, gate outcomes, embeddings or
// conversations, nor the in-memory state built from those (the learned router, the gate's calibration, the
// recent predictions). A demo therefore runs on services of its own over a throwaway in-memory store, and
// ending it drops them; no query needs to tell demo rows apart, because the real store never holds any.

import { Store } from './store/db';
import type { Services } from './app';

export class ActiveServices {
  private demo: { store: Store; services: Services } | undefined;

  constructor(
    private readonly real: Services,
    /** Builds services over a store, as for the real one (the demo's get an in-memory store). */
    private readonly build: (store: Store) => Services,
  ) {}

  /** The services every request, view and command uses now. */
  current(): Services {
    return this.demo?.services ?? this.real;
  }

  get inDemo(): boolean {
    return this.demo !== undefined;
  }

  /** Switches to fresh services over an empty in-memory store. */
  async startDemo(): Promise<void> {
    if (this.demo) return;
    const { store } = await Store.open();
    this.demo = { store, services: this.build(store) };
  }

  /** Switches back to the real services and drops the demo's, with every row the demo wrote. */
  async endDemo(): Promise<void> {
    const demo = this.demo;
    if (!demo) return;
    this.demo = undefined;
    await demo.services.dispose();
    await demo.store.close();
  }
}
