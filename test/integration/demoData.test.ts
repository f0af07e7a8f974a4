// Demo mode keeps its data apart: what happens in a demo (simulated answers, their thumbs-ups) runs on services
// of its own over a throwaway store, so after the demo neither the real requests' few-shot examples nor the
// dashboard's totals contain any of it. The services are built as the extension builds them.
import { afterEach, describe, expect, it } from 'vitest';
import { ActiveServices } from '../../src/core/activeServices';
import { createServices, type Routing, type Services } from '../../src/core/app';
import { Store } from '../../src/core/store/db';
import { ask } from '../../src/core/pipeline';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { silentLogger } from '../../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../../src/core/config';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';
import { DEFAULT_ROUTER_SETTINGS } from '../../src/core/router/settings';
import { DEFAULT_QUALITY_SETTINGS } from '../../src/core/quality/settings';
import { DEFAULT_CONTEXT_SETTINGS } from '../../src/core/context/settings';
import { DEFAULT_VISION_SETTINGS } from '../../src/core/vision/settings';
import { startDemo, type Demo } from '../../src/vscode/demo';
import { chats, input, nodeOf, ollama, result } from './support';

const QUESTION = 'Write a python function parse_numbers that parses comma separated numbers';
const WORKSPACE = 'ws';

const build = (store: Store): Services =>
  createServices({
    store,
    routerModels: { shipped: 'models/router.onnx' },
    gateModelPath: 'models/gate.json',
    settings: { router: () => DEFAULT_ROUTER_SETTINGS, quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => undefined,
    log: silentLogger,
  });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A question asked in the panel: the answer is recorded in the conversation as the chat view records it. */
async function askInPanel(services: Services, routing: Routing, question: string): Promise<string> {
  const request = input({ source: 'panel', workspace: WORKSPACE, question });
  const answer = await result(ask(request, routing.deps));
  const conversation = await services.conversations.current(WORKSPACE);
  services.conversations.addMessage(conversation, { id: `${request.id}-q`, role: 'user', text: question }, request.id);
  services.conversations.addMessage(conversation, { id: `${request.id}-a`, role: 'assistant', text: answer.text, requestId: request.id }, request.id);
  return request.id;
}

/** The real world (an Ollama node, a store) and a demo, run and ended as the extension does. */
async function afterADemo(duringDemo: (services: Services, routing: Routing) => Promise<void>) {
  const node = await ollama({ reply: () => 'A real answer.' });
  const { store } = await Store.open();
  const active = new ActiveServices(build(store), build);
  cleanups.push(() => store.close(), async () => active.current().dispose());
  const realConfig = { nodes: [nodeOf(node, 'laptop')], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY };

  const demo: Demo = await startDemo();
  cleanups.push(() => demo.stop());
  await active.startDemo();
  const demoRouting = (await active.current()).routing(demo.config);
  await demoRouting.nodes.refresh();
  await duringDemo(await active.current(), demoRouting);
  demoRouting.nodes.stopPolling();
  await active.endDemo();

  const routing = (await active.current()).routing(realConfig);
  await routing.nodes.refresh();
  return { node, store, services: await active.current(), routing };
}

describe('demo data stays out of real use', () => {
  it('never offers a thumbed-up demo answer as a few-shot example to a real request', async () => {
    const real = await afterADemo(async (services, routing) => {
      const id = await askInPanel(services, routing, QUESTION);
      await services.learning.feedback.thumbs(id, 1);
      expect(await services.learning.examples.list({ workspace: WORKSPACE })).toHaveLength(1);
    });

    await askInPanel(real.services, real.routing, QUESTION);
    const sent = chats(real.node).at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(await real.services.learning.examples.list()).toEqual([]);
  });

  it('leaves no demo request in the real dashboard totals once the demo ended', async () => {
    const real = await afterADemo(async (services, routing) => {
      await askInPanel(services, routing, QUESTION);
      await askInPanel(services, routing, 'Explain promises briefly');
    });
    const totals = async () => (await dashboardData(real.store, { period: 'all', now: Date.now(), prices: { inputPerMillion: 1, outputPerMillion: 1 } })).headline.requests;
    expect(await totals()).toBe(0);

    await askInPanel(real.services, real.routing, QUESTION);
    expect(await totals()).toBe(1);
  });

  it('keeps no demo conversation, feedback or router training row in the real store', async () => {
    const real = await afterADemo(async (services, routing) => {
      await services.learning.feedback.thumbs(await askInPanel(services, routing, QUESTION), 1);
    });
    const count = async (table: string) => Number((await real.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
    for (const table of ['messages', 'feedback_data', 'ml_router_training_data', 'ml_router_predictions', 'few_shot_examples', 'adaptive_learning_logs']) {
      expect({ table, rows: await count(table) }).toEqual({ table, rows: 0 });
    }
  });
});
