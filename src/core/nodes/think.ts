import type { ThinkSetting } from '../types';
import type { ModelCapabilities } from './probe';

export type { ThinkSetting };

export const THINK_SETTINGS = ['auto', 'on', 'off', 'low', 'medium', 'high'] as const;

/**
 * The `think` field to send with a request to this model, or undefined to send none. Only a model whose
 * /api/show lists `thinking` gets the field: Ollama answers 400 "does not support thinking" otherwise. A level
 * the model does not list would silently fall back to its default, so it becomes plain "on" instead.
 */
export function thinkField(setting: ThinkSetting | undefined, model: ModelCapabilities | undefined): boolean | string | undefined {
  if (!model?.capabilities.includes('thinking') || !setting || setting === 'auto') return undefined;
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  return model.thinkLevels.includes(setting) ? setting : true;
}
