// The endpoint as the endpoint benches measure it: startProxy in front of one loopback Ollama fixture, routing
// built as the editor builds it, every request recorded in an in-memory store.
import { createRouting } from '../src/core/app';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { silentLogger } from '../src/core/log';
import { generateProxyKey, startProxy, type RunningProxy } from '../src/core/proxy/server';
import { Store } from '../src/core/store/db';
import { Requests } from '../src/core/store/requests';

export interface EndpointOnNode {
  proxy: RunningProxy;
  key: string;
  /** Stops the endpoint and closes the store (the node is the caller's). */
  close(): Promise<void>;
}

export async function endpointOnNode(nodeUrl: string, maxParallel = 2): Promise<EndpointOnNode> {
  const { store } = await Store.open();
  const routing = createRouting({
    config: { nodes: [{ name: 'bench', baseUrl: nodeUrl, tier: 'local', models: [], maxParallel }], cloudProviders: [], defaultModels: DEFAULT_MODELS, privacy: DEFAULT_PRIVACY, balancer: DEFAULT_BALANCER },
    requests: new Requests(store),
    cloudKey: async () => undefined,
    log: silentLogger,
  });
  await routing.nodes.refresh();
  const key = generateProxyKey();
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, key, allowRemote: false, deps: () => routing.deps, log: silentLogger });
  return {
    proxy,
    key,
    async close() {
      await proxy.close();
      routing.nodes.stopPolling();
      await store.close();
    },
  };
}
