import * as vscode from 'vscode';
import OpenAI from 'openai';
import { classifyError } from '../core/providers/errors';
import { checkHttpUrl } from '../core/nodes/probe';
import type { CloudKind, CloudProviderConfig } from '../core/types';
import { addCloudProviderSetting, readConfig, type CloudKeys } from './config';

interface Preset {
  label: string;
  /** Not `kind`: QuickPickItem uses that name for separators. */
  api: CloudKind;
  baseUrl: string;
  model: string;
}

const PRESETS: Preset[] = [
  { label: 'OpenAI', api: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
  { label: 'Anthropic', api: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', model: 'claude-sonnet-4-5' },
  { label: 'OpenRouter', api: 'openai', baseUrl: 'https://openrouter.ai/api/v1', model: 'openai/gpt-4o-mini' },
  { label: 'Groq', api: 'openai', baseUrl: 'https://api.groq.com/openai/v1', model: 'llama-3.3-70b-versatile' },
  { label: 'DeepSeek', api: 'openai', baseUrl: 'https://api.deepseek.com/v1', model: 'deepseek-chat' },
  { label: 'Mistral', api: 'openai', baseUrl: 'https://api.mistral.ai/v1', model: 'mistral-small-latest' },
  { label: 'Other OpenAI-compatible (vLLM, LM Studio, …)', api: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', model: '' },
];

async function addProvider(): Promise<CloudProviderConfig | undefined> {
  const preset = await vscode.window.showQuickPick(PRESETS, { title: 'Add a cloud provider' });
  if (!preset) return undefined;
  const baseUrl = await vscode.window.showInputBox({
    title: `${preset.label}: base URL`,
    value: preset.baseUrl,
    validateInput: (v) => checkHttpUrl(v.trim(), 'https://api.openai.com/v1'),
  });
  if (!baseUrl) return undefined;
  const model = await vscode.window.showInputBox({ title: `${preset.label}: model`, value: preset.model, validateInput: (v) => (v.trim() ? undefined : 'A model name is required.') });
  if (!model) return undefined;
  const provider: CloudProviderConfig = { name: preset.label.split(' ')[0]!, kind: preset.api, baseUrl: baseUrl.trim().replace(/\/+$/, ''), model: model.trim() };
  await addCloudProviderSetting(provider);
  return provider;
}

/** Checks a key against the provider's /models before keeping it; a network failure does not block saving. */
async function verifyKey(provider: CloudProviderConfig, key: string): Promise<{ rejected: boolean; message?: string }> {
  // Anthropic's OpenAI-compatible layer serves chat completions, not a Bearer-authenticated /models.
  if (provider.kind === 'anthropic') return { rejected: false, message: 'Anthropic keys are checked on first use' };
  try {
    await new OpenAI({ baseURL: provider.baseUrl, apiKey: key, maxRetries: 0, timeout: 8000 }).models.list();
    return { rejected: false };
  } catch (err) {
    const e = classifyError(err, `cloud provider "${provider.name}"`);
    return { rejected: e.code === 'auth', message: e.message };
  }
}

/** "Singularity: Set Cloud API Key": picks (or adds) a provider, asks for the key, checks it, stores it in SecretStorage. */
export async function setCloudApiKey(keys: CloudKeys): Promise<void> {
  const providers = readConfig().config.cloudProviders;
  const ADD = '$(add) Add a cloud provider…';
  const pick = await vscode.window.showQuickPick([...providers.map((p) => ({ label: p.name, description: `${p.model} · ${p.baseUrl}` })), { label: ADD }], {
    title: 'Set Cloud API Key: which provider?',
  });
  if (!pick) return;
  const provider = pick.label === ADD ? await addProvider() : providers.find((p) => p.name === pick.label);
  if (!provider) return;
  const key = await vscode.window.showInputBox({
    title: `API key for ${provider.name}`,
    prompt: 'Stored in the editor’s secret storage (OS keychain); never written to settings or logs.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'The key is empty.'),
  });
  if (!key) return;
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the key with ${provider.name}…` },
    () => verifyKey(provider, key.trim()),
  );
  if (check.rejected) {
    void vscode.window.showErrorMessage(`${provider.name} rejected this key; it was not saved. ${check.message ?? ''}`);
    return;
  }
  await keys.set(provider.name, key.trim());
  const note = check.message ? ` (could not verify it now: ${check.message})` : '';
  void vscode.window.showInformationMessage(`API key for ${provider.name} saved${note}.`);
}
