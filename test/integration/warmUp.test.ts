// The warm-up in idle time: the parts the first routed request would load are loaded before it comes.
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/core/app';
import { Store } from '../../src/core/store/db';
import { ask } from '../../src/core/pipeline';
import type { Logger } from '../../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../../src/core/config';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';
import { DEFAULT_ROUTER_SETTINGS } from '../../src/core/router/settings';
import { DEFAULT_QUALITY_SETTINGS } from '../../src/core/quality/settings';
import { DEFAULT_CONTEXT_SETTINGS } from '../../src/core/context/settings';
import { DEFAULT_VISION_SETTINGS } from '../../src/core/vision/settings';
import { warmUp } from '../../src/core/warmUp';
import { cloud, cloudOf, collect, endOf, input, nodeOf, ollama } from './support';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (m: string) => void lines.push(m);
  return { lines, debug: add, info: add, warn: add, error: add };
}

/** The editor's services on an in-memory store, with the shipped router and gate models. */
async function editorServices(router: Partial<typeof DEFAULT_ROUTER_SETTINGS>, cloudKey: string | undefined) {
  const { store } = await Store.open();
  const log = recordingLogger();
  const built = createServices({
    store,
    routerModels: { shipped: 'models/router.onnx' },
    gateModelPath: 'models/gate.json',
    settings: { router: () => ({ ...DEFAULT_ROUTER_SETTINGS, ...router, retrainEvery: 0 }), quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => cloudKey,
    log,
  });
  cleanups.push(() => store.close(), () => built.dispose());
  return { services: built, log };
}

describe('warm-up', () => {
  it('loads the router model and the gate before the first routed request, which then loads nothing', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'] });
    const api = await cloud();
    const { services, log } = await editorServices({ mode: 'ml', learnMeaning: false }, 'sk-test');
    const routing = services.routing({ nodes: [nodeOf(node, 'gpu')], cloudProviders: [cloudOf(api)], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY });
    await routing.nodes.refresh();

    const steps = await services.warmUp(routing, { delayMs: 0 });
    expect(steps.map((s) => [s.name, s.error])).toEqual([
      ['route features', undefined],
      ['router model', undefined],
      ['gate and examples', undefined],
      ['sentence encoder', undefined],
    ]);
    const loaded = log.lines.filter((l) => l.startsWith('Router: using the shipped model')).length;
    expect(loaded).toBe(1);

    const result = endOf(await collect(ask(input({ question: 'How do I reverse a list in Python?' }), routing.deps)));
    expect(result.outcome).toBe('ok');
    expect(log.lines.filter((l) => l.startsWith('Router: using the shipped model')).length).toBe(loaded);
    expect(log.lines.some((l) => l.startsWith('Quality gate off'))).toBe(false);
  });

  it('loads neither the router model nor the encoder when no cloud is configured: no request would be scored', async () => {
    const node = await ollama();
    const { services, log } = await editorServices({}, undefined);
    const routing = services.routing({ nodes: [nodeOf(node, 'gpu')], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY });
    await routing.nodes.refresh();
    const steps = await services.warmUp(routing, { delayMs: 0 });
    expect(steps.map((s) => s.name)).toEqual(['route features', 'gate and examples']);
    expect(log.lines.some((l) => l.startsWith('Router: using'))).toBe(false);
  });

  it('runs each step in a turn of the event loop of its own, and goes on after one that fails', async () => {
    const log = recordingLogger();
    const order: string[] = [];
    const steps = await warmUp(
      [
        { name: 'first', run: () => void order.push('first') },
        {
          name: 'broken',
          run: () => {
            setImmediate(() => order.push('between'));
            throw new Error('no model here');
          },
        },
        { name: 'last', run: () => void order.push('last') },
      ],
      log,
      { delayMs: 0 },
    );
    expect(order).toEqual(['first', 'between', 'last']);
    expect(steps.map((s) => s.error)).toEqual([undefined, 'no model here', undefined]);
    expect(log.lines).toContain('Warm-up of the broken failed: no model here');
  });

  it('stops between steps once its signal is aborted', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    await warmUp(
      [
        { name: 'a', run: () => (ran.push('a'), controller.abort()) },
        { name: 'b', run: () => void ran.push('b') },
      ],
      recordingLogger(),
      { delayMs: 0, signal: controller.signal },
    );
    expect(ran).toEqual(['a']);
  });
});
