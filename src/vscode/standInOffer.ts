import * as vscode from 'vscode';
import type { AnswerMeta, DefaultModels } from '../core/types';

const offered = new Set<string>();

/**
 * After an installed model answered for a missing default: says so once per session, and offers to make it
 * the default so the setting matches what the user has (or to keep the default and pull it later).
 */
export async function offerStandInAsDefault(meta: AnswerMeta): Promise<void> {
  const standIn = meta.standIn;
  if (!standIn) return;
  const key = `${standIn.task}\0${standIn.configured}\0${meta.model}`;
  if (offered.has(key)) return;
  offered.add(key);
  const make = `Make ${meta.model} the default`;
  const choice = await vscode.window.showInformationMessage(
    `No node has ${standIn.configured}, the default ${standIn.task} model, so the installed ${meta.model} answered. Make it the default, or keep ${standIn.configured} and pull it with "ollama pull ${standIn.configured}".`,
    make,
  );
  if (choice !== make) return;
  const config = vscode.workspace.getConfiguration('singularity');
  const current = config.get<DefaultModels>('defaultModels');
  await config.update('defaultModels', { ...current, [standIn.task]: meta.model }, vscode.ConfigurationTarget.Global);
}
