// Runs simulated Ollama nodes in their own process, so their token pacing does not compete with
// the router under test for the benchmark process's event loop. Controlled over stdin/stdout:
//   argv[2]: JSON [{ "tokensPerSecond": n, "latencyMs": n }, ...]
//   stdout first line: JSON array of node URLs
//   stdin lines: "kill I" closes node I (connections dropped mid-stream); "slow I F" divides its speed by F.
// Each answer is N words, N given in the prompt as "len=N" (mixed answer lengths without extra setup).

import { createInterface } from 'node:readline';
import { startFakeOllama, type FakeServer } from '../test/fixtures';

interface NodeSpec {
  tokensPerSecond: number;
  latencyMs: number;
}

const specs = JSON.parse(process.argv[2] ?? '[]') as NodeSpec[];

function reply(req: { messages: { content: string }[] }): string {
  const n = Number(/len=(\d+)/.exec(req.messages.at(-1)?.content ?? '')?.[1] ?? 50);
  return Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
}

async function main() {
  const nodes: FakeServer[] = await Promise.all(specs.map((s) => startFakeOllama({ models: ['llama3.2:latest'], ...s, reply })));
  process.stdout.write(`${JSON.stringify(nodes.map((n) => n.url))}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, index, factor] = line.trim().split(/\s+/);
    const node = nodes[Number(index)];
    if (!node) continue;
    if (cmd === 'kill') await node.close();
    if (cmd === 'slow') node.setOptions({ tokensPerSecond: specs[Number(index)]!.tokensPerSecond / Number(factor) });
    process.stdout.write(`ok ${line}\n`);
  }
  await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
}

void main();
