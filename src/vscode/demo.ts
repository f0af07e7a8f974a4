import type { SingularityConfig } from '../core/types';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../core/config';
import { DEFAULT_PRIVACY } from '../core/context/cloudPolicy';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../../test/fixtures';

/**
 * Demo mode: simulated Ollama nodes and a simulated cloud on 127.0.0.1, so a newcomer without Ollama
 * sees routing and streaming work. Every answer and every node name says it is simulated.
 */
export interface Demo {
  config: SingularityConfig;
  stop(): Promise<void>;
}

export async function startDemo(): Promise<Demo> {
  const servers: FakeServer[] = [];
  try {
    const laptop = await startFakeOllama({ label: 'simulated node demo-laptop', models: ['llama3.2:latest'], tokensPerSecond: 60, latencyMs: 150 });
    servers.push(laptop);
    const lan = await startFakeOllama({
      label: 'simulated node demo-lan-server',
      models: ['qwen2.5-coder:latest', 'llama3.2:latest'],
      tokensPerSecond: 120,
      latencyMs: 250,
    });
    servers.push(lan);
    const cloud = await startFakeOpenAI({ label: 'simulated cloud', models: ['demo-cloud-model'], tokensPerSecond: 200, latencyMs: 500 });
    servers.push(cloud);
    return {
      config: {
        nodes: [
          { name: 'demo-laptop (simulated)', baseUrl: laptop.url, tier: 'local', models: [], maxParallel: 2 },
          { name: 'demo-lan-server (simulated)', baseUrl: lan.url, tier: 'lan', models: [], maxParallel: 4 },
        ],
        cloudProviders: [{ name: 'demo-cloud (simulated)', kind: 'openai', baseUrl: `${cloud.url}/v1`, model: 'demo-cloud-model' }],
        defaultModels: DEFAULT_MODELS,
        balancer: DEFAULT_BALANCER,
        privacy: DEFAULT_PRIVACY,
      },
      stop: () => Promise.all(servers.map((s) => s.close())).then(() => undefined),
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}
