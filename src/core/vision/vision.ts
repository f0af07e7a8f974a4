// The vision plan: for a request with images, the images are prepared (decoded, checked, scaled), OCR reads
// their text and the task mode is chosen; the plan says which vision model on a node answers (a pinned
// request the pipeline runs like any other), how its answer is scored, and whether a cloud vision model may
// answer instead when it scores below the threshold. "Extract the text" is answered by OCR alone when it
// read something. The pipeline (pipeline.ts) runs the plan; nothing here sends a request.
// OCR takes seconds: when the question says what it wants, the vision model is asked at once, and OCR reads
// beside it; its text joins where it is needed (the score of the answer, the cloud's prompt and its secret
// check). Only a bare "explain this" (its mode follows the image's text) and "extract the text" wait for it.

import type { AskInput, AskResult, PinnedTarget } from '../request';
import type { AnswerMeta, CloudProviderConfig, ImageInput, VisionNote } from '../types';
import type { Logger } from '../log';
import { estimateTokens } from '../providers/tokens';
import { redactSecrets } from '../context/redact';
import { CLOUD_SIDE, DecodedImage, ImageError, usefulSide } from './image';
import type { OcrEngine, OcrResult } from './ocr';
import { extractedBlock, modeOfQuestion, resolveMode, visionPrompt, type ResolvedMode } from './modes';
import { describeQuality, scoreVisionAnswer, type VisionQuality } from './quality';
import { cloudImageTokens } from './cloudTokens';
import type { VisionSettings } from './settings';

/**
 * Where an OCR answer ran, as its meta line and the dashboard name it: not "this machine", which is also the
 * default name of the user's local Ollama node, so the two never merge into one series.
 */
export const OCR_NODE = 'this editor host (OCR)';

export const VISION_SYSTEM = 'You are Singularity, a coding assistant. You are shown a screenshot from a developer\'s screen. Answer precisely; use Markdown.';

export interface VisionDeps {
  settings(): VisionSettings;
  ocr: OcrEngine;
  log: Logger;
}

interface Reading {
  text: string;
  confidence: number;
}

export class VisionService {
  constructor(private readonly deps: VisionDeps) {}

  /** Decodes every image; throws ImageError for a file that cannot be used. */
  async decode(images: readonly ImageInput[]): Promise<DecodedImage[]> {
    const settings = this.deps.settings();
    const decoded: DecodedImage[] = [];
    for (const [i, image] of images.entries()) {
      const name = images.length === 1 ? 'The image' : `Image ${i + 1}`;
      decoded.push(await DecodedImage.decode(Buffer.from(image.base64, 'base64'), name, { maxBytes: settings.maxImageBytes, maxPixels: 50_000_000 }));
    }
    return decoded;
  }

  /** The images' text; undefined when OCR is off, fails (logged) or is cancelled. Never rejects: it runs beside the vision model. */
  async read(images: readonly DecodedImage[], signal: AbortSignal): Promise<Reading | undefined> {
    if (!this.deps.settings().ocr) return undefined;
    try {
      const results: OcrResult[] = [];
      for (const image of images) results.push(await this.deps.ocr.recognize(await image.forOcr(), signal));
      const text = results.map((r) => r.text).filter(Boolean).join('\n\n');
      const confidence = results.length ? results.reduce((n, r) => n + r.confidence, 0) / results.length : 0;
      this.deps.log.debug(`OCR read ${text.length} characters (confidence ${confidence.toFixed(0)}) in ${results.reduce((n, r) => n + r.ms, 0).toFixed(0)} ms`);
      return { text, confidence };
    } catch (err) {
      if (!signal.aborted) this.deps.log.warn(`OCR skipped: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * The plan for a request with images: the images prepared, the task mode, and either the answer itself
   * (OCR's reading, or why the images cannot be used) or the local request, the threshold its answer must
   * reach, and what blocks the cloud fallback. The pipeline runs it; nothing here sends a request.
   */
  async plan(input: AskInput, world: VisionWorld): Promise<VisionPlan> {
    const settings = this.deps.settings();
    let images: DecodedImage[];
    try {
      images = await this.decode(input.images ?? []);
    } catch (err) {
      if (input.signal.aborted) return { kind: 'answered', result: { outcome: 'cancelled', text: '' } };
      if (!(err instanceof ImageError)) throw err;
      return { kind: 'answered', result: { outcome: 'error', text: '', error: err.message, errorCode: 'badInput' } };
    }
    const reading = this.read(images, input.signal);
    const said = modeOfQuestion(input.question, input.visionMode);
    const alongside = said !== undefined && said !== 'extract';
    const read = alongside ? undefined : await reading;
    if (input.signal.aborted) return { kind: 'answered', result: { outcome: 'cancelled', text: '' } };
    const ocrText = read?.text ?? '';
    const mode = said ?? resolveMode(input.question, ocrText, input.visionMode);
    const note: VisionNote = { mode, ...(alongside ? {} : { ocrChars: ocrText.length }) };
    const avoided = images.reduce((n, i) => n + cloudImageTokens(i.width, i.height), 0);

    if (mode === 'extract' && ocrText.trim() && input.route !== 'cloud') return { kind: 'answered', ...ocrAnswer(input.question, ocrText, { ...note, cloudImageTokensAvoided: avoided }) };

    const model = input.model ?? world.defaultModel;
    const local = input.route !== 'cloud' && world.nodeServes(model);
    const request = (encoded: ImageInput[], pinned: PinnedTarget, text: string) => visionRequest(input, mode, text, encoded, pinned);
    const ocrPart = alongside && settings.ocr ? ', OCR reading alongside' : ocrText ? `, OCR read ${ocrText.length} characters` : '';
    const reason = `vision model ${model} on a node; ${mode} mode${ocrPart}`;
    const text = async () => (await reading)?.text ?? '';
    return {
      kind: 'model',
      note,
      avoided,
      threshold: settings.qualityThreshold,
      score: async (answer) => scoreVisionAnswer({ answer, ocr: await reading }),
      ocrChars: async () => (await text()).length,
      ...(local ? { local: request(await Promise.all(images.map((i) => i.encode(usefulSide(model)))), { kind: 'nodeModel', model, strategy: 'vision-local', reason }, ocrText) } : {}),
      whyCloud: local ? '' : input.route === 'cloud' ? 'cloud requested' : `no reachable node has ${model} (pull it with "ollama pull ${model}")`,
      cloudBlocked: async () => cloudBlocked(settings, await text(), input.route, world.cloudRefusal),
      cloud: async (whyCloud) => {
        const provider = world.cloudProviders[0]!;
        const cloudModel = settings.cloudModel || provider.model;
        const encoded = await Promise.all(images.map((i) => i.encode(CLOUD_SIDE)));
        return { model: cloudModel, request: request(encoded, { kind: 'cloud', provider, model: cloudModel, strategy: 'vision-cloud', reason: `${whyCloud}; cloud vision model` }, await text()) };
      },
    };
  }
}

/** What the vision plan needs to know of the world: the nodes' models and whether the cloud may see anything. */
export interface VisionWorld {
  defaultModel: string;
  nodeServes(model: string): boolean;
  /** Usable cloud providers, best first. */
  cloudProviders: readonly CloudProviderConfig[];
  /** Why nothing may go to the cloud now (context/cloudPolicy.ts), or undefined. */
  cloudRefusal?: { code: string; message: string };
}

export type VisionPlan =
  | { kind: 'answered'; result: AskResult; strategy?: string }
  | {
      kind: 'model';
      note: VisionNote;
      /** Image tokens a cloud model would have billed for these images. */
      avoided: number;
      threshold: number;
      /** The answer's score; it waits for OCR, which it compares the answer with. */
      score(answer: string): Promise<VisionQuality>;
      /** Characters OCR read, once it has. */
      ocrChars(): Promise<number>;
      /** The request for the vision model on a node, when a healthy node serves it. */
      local?: AskInput;
      /** Why the cloud answers when there is no local request. */
      whyCloud: string;
      /** Why the cloud may not see these images, or undefined when it may (a secret OCR reads in them is a reason). */
      cloudBlocked(): Promise<string | undefined>;
      /** The request for the cloud vision model, its images encoded for the cloud. */
      cloud(whyCloud: string): Promise<{ model: string; request: AskInput }>;
    };

/** A local answer's fate: kept as final, or a draft the cloud should improve on, and why. */
export async function judgeLocal(plan: Extract<VisionPlan, { kind: 'model' }>, result: AskResult): Promise<{ final: AskResult } | { draft: VisionDraft; whyCloud: string }> {
  if (result.outcome !== 'ok') return { draft: { result }, whyCloud: `local answer failed: ${result.error ?? 'no answer'}` };
  const quality = await plan.score(result.text);
  const localNote: VisionNote = { ...plan.note, ocrChars: await plan.ocrChars(), localQuality: { score: quality.score, issues: quality.issues } };
  if (quality.score >= plan.threshold) return { final: withVision(result, { ...localNote, cloudImageTokensAvoided: plan.avoided }) };
  return { draft: { result: withVision(result, localNote), quality }, whyCloud: `local answer ${describeQuality(quality)}` };
}

export interface VisionDraft {
  result: AskResult;
  quality?: VisionQuality;
}

/** When the cloud may not answer: the local draft is kept if it is an answer, else the request fails and says why. */
export function blockedAnswer(draft: VisionDraft | undefined, whyCloud: string, blocked: string): AskResult {
  if (draft?.result.outcome === 'ok') return draft.result;
  return { outcome: 'error', text: '', error: `No vision model could answer: ${whyCloud}, and ${blocked}.`, errorCode: 'noRoute' };
}

/** The notice between a local draft and the cloud's answer, and the note the cloud's answer carries. */
export function cloudFallback(plan: Extract<VisionPlan, { kind: 'model' }>, draft: VisionDraft | undefined, whyCloud: string, cloudModel: string, ocrChars: number): { notice: string; note: VisionNote } {
  return {
    notice: draft?.result.text ? `\n\n---\n*${capitalize(whyCloud)}: asking ${cloudModel} in the cloud.*\n\n` : '',
    note: { ...plan.note, ocrChars, ...(draft?.quality ? { localQuality: { score: draft.quality.score, issues: draft.quality.issues } } : {}), fellBack: !!plan.local },
  };
}

/** The cloud's answer under the local draft (and the notice), as one answer. */
export function withDraft(result: AskResult, draft: VisionDraft | undefined, notice: string, note: VisionNote): AskResult {
  const prefix = draft?.result.text ? draft.result.text + notice : '';
  return { ...withVision(result, note), text: prefix + result.text };
}

/** "Extract the text": OCR's reading, as a block the user can copy or insert; recorded as a local answer. */
function ocrAnswer(question: string, text: string, note: VisionNote): { result: AskResult; strategy: string } {
  const answer = extractedBlock(text);
  const usage = { promptTokens: (note.cloudImageTokensAvoided ?? 0) + estimateTokens(question), completionTokens: estimateTokens(answer), estimated: true };
  const meta: AnswerMeta = { route: 'local', node: OCR_NODE, model: 'tesseract.js (OCR)', reason: 'text extracted by local OCR', vision: note, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
  return { result: { outcome: 'ok', text: answer, meta, usage }, strategy: 'vision-ocr' };
}

function visionRequest(input: AskInput, mode: ResolvedMode, ocrText: string, images: ImageInput[], pinned: PinnedTarget): AskInput {
  return {
    ...input,
    question: visionPrompt(mode, input.question, ocrText),
    system: VISION_SYSTEM,
    // Small vision models have small contexts: earlier turns and editor context would crowd out the image.
    history: [],
    context: [],
    images: images.map(({ mimeType, base64 }) => ({ mimeType, base64 })),
    pinned,
  };
}

/** Why the cloud may not see these images, or undefined when it may. */
async function cloudBlocked(settings: VisionSettings, ocrText: string, route: AskInput['route'], refusal: VisionWorld['cloudRefusal']): Promise<string | undefined> {
  if (route === 'local' || route === 'lan') return `route "${route}" was requested`;
  if (!settings.cloudFallback && route !== 'cloud') return 'the cloud fallback is off (singularity.vision.cloudFallback)';
  if (refusal?.code === 'localOnly') return refusal.message;
  if ((await redactSecrets(ocrText)).count > 0) return 'the image shows what looks like a secret, so it is not sent to the cloud';
  return refusal?.message;
}

function withVision(result: AskResult, vision: VisionNote): AskResult {
  return result.meta ? { ...result, meta: { ...result.meta, vision } } : result;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
