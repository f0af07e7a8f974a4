// A configured default model that no node has: a newcomer with qwen3:8b but not llama3.2 should get an
// answer from qwen3:8b, not "no healthy node has llama3.2". This picks an installed model that can do the
// task, by what /api/show says the model can do.

import type { AnswerMeta, DefaultModels, TaskKind } from '../types';
import type { Logger } from '../log';
import { sameModel } from './models';
import { capabilitiesOf, servableModels, serves, type NodeStatus } from './registry';

/** An installed model answering for a configured default that no healthy node serves. */
export interface StandIn {
  task: TaskKind;
  /** The configured default (singularity.defaultModels[task]). */
  configured: string;
  model: string;
}

const TASKS: readonly TaskKind[] = ['chat', 'code', 'vision'];

/**
 * The defaults with each missing one replaced by an installed stand-in, when one can do the task. A code
 * request whose code model is missing already falls back to the chat model; it gets a stand-in of its own
 * only when a coding model is installed.
 */
export function installedDefaults(defaults: DefaultModels, nodes: readonly NodeStatus[]): { models: DefaultModels; standIns: StandIn[] } {
  const models = { ...defaults };
  const standIns: StandIn[] = [];
  for (const task of TASKS) {
    const configured = defaults[task];
    if (nodes.some((s) => serves(s, [configured]))) continue;
    const model = standInFor(task, configured, nodes);
    if (!model) continue;
    models[task] = model;
    standIns.push({ task, configured, model });
  }
  return { models, standIns };
}

/** The meta line's note when the model that answered stands in for a missing default. */
export function standInNote(standIns: readonly StandIn[], meta: AnswerMeta): AnswerMeta['standIn'] {
  if (meta.route === 'cloud') return undefined;
  const used = standIns.find((s) => sameModel(s.model, meta.model));
  return used ? { task: used.task, configured: used.configured } : undefined;
}

const logged = new Set<string>();

/** Says once per process which installed model stands in for which missing default. */
export function logStandIns(standIns: readonly StandIn[], log: Logger): void {
  for (const s of standIns) {
    const key = `${s.task}\0${s.configured}\0${s.model}`;
    if (logged.has(key)) continue;
    logged.add(key);
    log.info(`The default ${s.task} model ${s.configured} is on no healthy node; using the installed ${s.model} (set singularity.defaultModels.${s.task} to keep it).`);
  }
}

/** The best installed model for a task: same model under another tag, then by kind, then one already loaded. */
export function standInFor(task: TaskKind, configured: string, nodes: readonly NodeStatus[]): string | undefined {
  const family = baseName(configured);
  const candidates = nodes
    .filter((s) => s.healthy)
    .flatMap((s) => servableModels(s).map((model, order) => ({ model, order, loaded: s.loaded.includes(model), caps: capabilitiesOf(s, model)?.capabilities })))
    .filter((c) => canDo(task, c.model, c.caps));
  const rank = (c: (typeof candidates)[number]) => [
    baseName(c.model) === family ? 0 : 1,
    task === 'code' && !CODER.test(c.model) ? 1 : 0,
    c.loaded ? 0 : 1,
    c.order,
  ];
  candidates.sort((a, b) => compareTuples(rank(a), rank(b)));
  const best = candidates[0];
  if (!best) return undefined;
  if (task === 'code' && baseName(best.model) !== family && !CODER.test(best.model)) return undefined;
  return best.model;
}

const CODER = /cod(e|er|ing)|starcoder|devstral/i;

/**
 * Whether a model can answer this task. With capabilities (Ollama 0.6+): completion (not embedding-only) and
 * vision for images. Without: the name must not say embedding, and images need a capability list that says vision.
 */
function canDo(task: TaskKind, model: string, caps: string[] | undefined): boolean {
  if (!caps) return task !== 'vision' && !/embed/i.test(model);
  if (!caps.includes('completion')) return false;
  return task !== 'vision' || caps.includes('vision');
}

/** "qwen2.5-coder:7b" -> "qwen2.5-coder": the model without its tag. */
function baseName(model: string): string {
  const colon = model.lastIndexOf(':');
  return (colon > model.lastIndexOf('/') ? model.slice(0, colon) : model).toLowerCase();
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
