// The OpenAI- and Anthropic-compatible endpoint in a real VS Code (code-server): started from the palette,
// used by the `openai` and `@anthropic-ai/sdk` clients from outside the editor with what the palette copied,
// stopped from the palette. The model picker's registration is
// feature-detected: VS Code 1.100 lacks the API, and the log says it was skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { launchEditor, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';

let editor: Editor;
let node: FakeServer;
let baseURL: string;
let apiKey: string;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: 400, label: 'endpoint e2e node', reply: () => 'Answer through the endpoint.' });
  editor = await launchEditor({
    name: 'endpoint',
    settings: {
      'singularity.nodes': [{ name: 'e2e-node', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
      'singularity.proxy.port': 0,
      'singularity.demoMode': 'never',
    },
  });
  await editor.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(editor.url).origin });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

describe('OpenAI-compatible endpoint in VS Code', () => {
  it('starts from the palette and copies the base URL and key', async () => {
    // No chat view first: a webview loading takes the focus and can close the palette as it opens.
    await editor.runCommand('Singularity: Start OpenAI-Compatible Endpoint');
    const toast = editor.page.locator('.notification-toast').filter({ hasText: 'Singularity endpoint running at' });
    await toast.waitFor({ timeout: 20_000 });
    // Reading the clipboard needs the page in front.
    await editor.page.bringToFront();
    const copied = await editor.page.evaluate(() => navigator.clipboard.readText());
    baseURL = /OPENAI_BASE_URL=(\S+)/.exec(copied)![1]!;
    apiKey = /OPENAI_API_KEY=(\S+)/.exec(copied)![1]!;
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(apiKey).toMatch(/^sk-singularity-/);
    expect(await toast.innerText()).toContain(baseURL);
  });

  it('answers a streaming request from the openai client through the router', async () => {
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Answer through the endpoint.');
  });

  it('copies the Anthropic variables when "Anthropic clients" is picked, and the Anthropic SDK streams through them', async () => {
    await editor.runCommand('Singularity: Copy Endpoint URL and Key');
    await editor.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Anthropic clients' }).click();
    await editor.page.locator('.notification-toast').filter({ hasText: 'ANTHROPIC_BASE_URL' }).waitFor();
    await editor.page.bringToFront();
    const copied = await editor.page.evaluate(() => navigator.clipboard.readText());
    const base = /ANTHROPIC_BASE_URL=(\S+)/.exec(copied)![1]!;
    expect(base).toBe(new URL(baseURL).origin);
    expect(copied).toContain('ANTHROPIC_MODEL=singularity/auto');
    const client = new Anthropic({ baseURL: base, authToken: /ANTHROPIC_AUTH_TOKEN=(\S+)/.exec(copied)![1]!, apiKey: null, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'singularity/auto', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Answer through the endpoint.' }]);
  });

  it('refuses a request without the key', async () => {
    const res = await fetch(`${baseURL}/models`);
    expect(res.status).toBe(401);
  });

  it('stops from the palette', async () => {
    await editor.runCommand('Singularity: Stop OpenAI-Compatible Endpoint');
    await editor.page.locator('.notification-toast').filter({ hasText: 'Singularity endpoint stopped.' }).waitFor();
    await expect(fetch(`${baseURL}/models`, { headers: { authorization: `Bearer ${apiKey}` } })).rejects.toThrow();
  });

  it('skips the model picker where the editor has no Language Model Chat Provider API, and says so', async () => {
    await expect.poll(() => editor.logs(), { timeout: 10_000 }).toMatch(/Model picker: this editor \(VS Code 1\.100\.\d+\) has no Language Model Chat Provider API/);
  });
});
