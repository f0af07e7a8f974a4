// The vision path: a request with images is answered here, locally first. Images are prepared (decoded,
// checked, scaled), OCR reads their text, the task mode is chosen, then the vision model answers on a
// node that has it (through ask(), pinned, so the pool, streaming and recording are the pipeline's own).
// The answer is scored; below the threshold a cloud vision model answers too, when allowed, and the
// answer says so. "Extract the text" is answered by OCR alone when it read something.

import { randomUUID } from 'node:crypto';
import { ask, type AskEvent, type AskInput, type AskResult, type PipelineDeps, type PinnedTarget } from '../pipeline';
import type { AnswerMeta, ImageInput, VisionNote } from '../types';
import type { Logger } from '../log';
import { isUsable } from '../providers/factory';
import { estimateTokens } from '../providers/tokens';
import { servableModels } from '../nodes/registry';
import { sameModel } from '../nodes/models';
import { redactSecrets } from '../context/redact';
import { CLOUD_SIDE, DecodedImage, ImageError, usefulSide } from './image';
import type { OcrEngine, OcrResult } from './ocr';
import { extractedBlock, resolveMode, visionPrompt, type ResolvedMode } from './modes';
import { describeQuality, scoreVisionAnswer, type VisionQuality } from './quality';
import { cloudImageTokens } from './cloudTokens';
import type { VisionSettings } from './settings';

export const VISION_SYSTEM = 'You are Singularity, a coding assistant. You are shown a screenshot from a developer\'s screen. Answer precisely; use Markdown.';

export interface VisionDeps {
  settings(): VisionSettings;
  ocr: OcrEngine;
  log: Logger;
}

interface Prepared {
  images: DecodedImage[];
  ocr?: { text: string; confidence: number };
}

export class VisionService {
  constructor(private readonly deps: VisionDeps) {}

  /** Decodes every image and reads its text; throws ImageError for a file that cannot be used. */
  async prepare(images: readonly ImageInput[], signal: AbortSignal): Promise<Prepared> {
    const settings = this.deps.settings();
    const decoded: DecodedImage[] = [];
    for (const [i, image] of images.entries()) {
      const name = images.length === 1 ? 'The image' : `Image ${i + 1}`;
      decoded.push(await DecodedImage.decode(Buffer.from(image.base64, 'base64'), name, { maxBytes: settings.maxImageBytes, maxPixels: 50_000_000 }));
    }
    if (!settings.ocr) return { images: decoded };
    try {
      const results: OcrResult[] = [];
      for (const image of decoded) results.push(await this.deps.ocr.recognize(await image.forOcr(), signal));
      const text = results.map((r) => r.text).filter(Boolean).join('\n\n');
      const confidence = results.length ? results.reduce((n, r) => n + r.confidence, 0) / results.length : 0;
      this.deps.log.debug(`OCR read ${text.length} characters (confidence ${confidence.toFixed(0)}) in ${results.reduce((n, r) => n + r.ms, 0).toFixed(0)} ms`);
      return { images: decoded, ocr: { text, confidence } };
    } catch (err) {
      if (signal.aborted) throw err;
      this.deps.log.warn(`OCR skipped: ${(err as Error).message}`);
      return { images: decoded };
    }
  }

  /** Answers a request with images as a stream of the pipeline's events; one 'end' always comes last. */
  async *answer(input: AskInput, deps: PipelineDeps): AsyncGenerator<AskEvent> {
    const settings = this.deps.settings();
    let prepared: Prepared;
    try {
      prepared = await this.prepare(input.images ?? [], input.signal);
    } catch (err) {
      if (input.signal.aborted) {
        yield { type: 'end', result: { outcome: 'cancelled', text: '' } };
        return;
      }
      if (!(err instanceof ImageError)) throw err;
      yield { type: 'end', result: { outcome: 'error', text: '', error: err.message } };
      return;
    }
    const ocrText = prepared.ocr?.text ?? '';
    const mode = resolveMode(input.question, ocrText, input.visionMode);
    const note: VisionNote = { mode, ocrChars: ocrText.length };
    const avoided = prepared.images.reduce((n, i) => n + cloudImageTokens(i.width, i.height), 0);

    if (mode === 'extract' && ocrText.trim() && input.route !== 'cloud') {
      return yield* this.answerFromOcr(input, deps, ocrText, { ...note, cloudImageTokensAvoided: avoided });
    }

    const model = input.model ?? deps.defaultModels().vision;
    const local = input.route !== 'cloud' && (await this.nodeHas(deps, model));
    let draft: { result: AskResult; quality?: VisionQuality } | undefined;
    let whyCloud = local ? '' : input.route === 'cloud' ? 'cloud requested' : `no reachable node has ${model} (pull it with "ollama pull ${model}")`;

    if (local) {
      const images = await Promise.all(prepared.images.map((i) => i.encode(usefulSide(model))));
      const reason = `vision model ${model} on a node; ${mode} mode${ocrText ? `, OCR read ${ocrText.length} characters` : ''}`;
      let result: AskResult | undefined;
      for await (const event of ask(this.request(input, mode, ocrText, images, { kind: 'nodeModel', model, strategy: 'vision-local', reason }), deps)) {
        if (event.type === 'end') result = event.result;
        else yield event.type === 'routed' ? { type: 'routed', meta: { ...event.meta, vision: note } } : event;
      }
      if (!result || result.outcome === 'cancelled') {
        yield { type: 'end', result: result ?? { outcome: 'cancelled', text: '' } };
        return;
      }
      if (result.outcome === 'ok') {
        const quality = scoreVisionAnswer({ answer: result.text, ocr: prepared.ocr });
        const localNote: VisionNote = { ...note, localQuality: { score: quality.score, issues: quality.issues } };
        if (quality.score >= settings.qualityThreshold) {
          yield { type: 'end', result: withVision(result, { ...localNote, cloudImageTokensAvoided: avoided }) };
          return;
        }
        draft = { result: withVision(result, localNote), quality };
        whyCloud = `local answer ${describeQuality(quality)}`;
      } else {
        draft = { result };
        whyCloud = `local answer failed: ${result.error ?? 'no answer'}`;
      }
    }

    const blocked = await this.cloudBlocked(deps, settings, ocrText, input.route);
    if (blocked) {
      if (draft?.result.outcome === 'ok') {
        this.deps.log.info(`Vision: ${whyCloud}; kept, since ${blocked}`);
        yield { type: 'end', result: draft.result };
        return;
      }
      yield { type: 'end', result: { outcome: 'error', text: '', error: `No vision model could answer: ${whyCloud}, and ${blocked}.` } };
      return;
    }
    const credentials = (await deps.cloudCredentials()).filter(isUsable);
    const provider = credentials[0]!.config;
    const cloudModel = settings.cloudModel || provider.model;
    const notice = draft?.result.text ? `\n\n---\n*${capitalize(whyCloud)}: asking ${cloudModel} in the cloud.*\n\n` : '';
    if (notice) yield { type: 'token', text: notice };
    const images = await Promise.all(prepared.images.map((i) => i.encode(CLOUD_SIDE)));
    const pinned: PinnedTarget = { kind: 'cloud', provider, model: cloudModel, strategy: 'vision-cloud', reason: `${whyCloud}; cloud vision model` };
    const cloudNote: VisionNote = { ...note, ...(draft?.quality ? { localQuality: { score: draft.quality.score, issues: draft.quality.issues } } : {}), fellBack: !!local };
    const cloudInput = this.request(input, mode, ocrText, images, pinned);
    const cloudId = draft ? randomUUID() : cloudInput.id;
    for await (const event of ask({ ...cloudInput, id: cloudId }, deps)) {
      if (event.type === 'token') yield event;
      else if (event.type === 'routed') yield { type: 'routed', meta: { ...event.meta, vision: cloudNote } };
      else {
        // The node's answer, replaced by this one, saved no cloud tokens.
        if (draft?.result.outcome === 'ok' && event.result.outcome === 'ok') deps.requests?.replaced(input.id, cloudId);
        const prefix = draft?.result.text ? draft.result.text + notice : '';
        yield { type: 'end', result: { ...withVision(event.result, cloudNote), text: prefix + event.result.text } };
      }
    }
  }

  /** "Extract the text": OCR's reading, as a block the user can copy or insert; recorded as a local answer. */
  private *answerFromOcr(input: AskInput, deps: PipelineDeps, text: string, note: VisionNote): Generator<AskEvent> {
    const answer = extractedBlock(text);
    const meta: AnswerMeta = { route: 'local', node: 'this machine', model: 'tesseract.js (OCR)', reason: 'text extracted by local OCR', vision: note };
    yield { type: 'routed', meta };
    yield { type: 'token', text: answer };
    const usage = { promptTokens: (note.cloudImageTokensAvoided ?? 0) + estimateTokens(input.question), completionTokens: estimateTokens(answer), estimated: true };
    const now = deps.now ?? Date.now;
    deps.requests?.record({
      id: input.id,
      conversationId: input.conversationId,
      source: input.source,
      category: input.category,
      task: 'vision',
      route: 'local',
      node: meta.node,
      model: meta.model,
      strategy: 'vision-ocr',
      reason: meta.reason,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      tokensEstimated: true,
      attempts: 1,
      outcome: 'ok',
      createdAt: now(),
    });
    yield { type: 'end', result: { outcome: 'ok', text: answer, meta: { ...meta, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }, usage } };
  }

  private request(input: AskInput, mode: ResolvedMode, ocrText: string, images: ImageInput[], pinned: PinnedTarget): AskInput {
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

  /** Whether a healthy node serves the vision model. */
  private async nodeHas(deps: PipelineDeps, model: string): Promise<boolean> {
    await deps.nodes.settled();
    return deps.nodes.list().some((s) => s.healthy && servableModels(s).some((m) => sameModel(m, model)));
  }

  /** Why the cloud may not see these images, or undefined when it may. */
  private async cloudBlocked(deps: PipelineDeps, settings: VisionSettings, ocrText: string, route: AskInput['route']): Promise<string | undefined> {
    if (route === 'local' || route === 'lan') return `route "${route}" was requested`;
    if (!settings.cloudFallback && route !== 'cloud') return 'the cloud fallback is off (singularity.vision.cloudFallback)';
    if (deps.privacy().localOnly) return 'local-only mode is on for this workspace';
    if (redactSecrets(ocrText).count > 0) return 'the image shows what looks like a secret, so it is not sent to the cloud';
    if (!(await deps.cloudCredentials()).some(isUsable)) return 'no cloud provider has an API key (run "Singularity: Set Cloud API Key")';
    return undefined;
  }
}

function withVision(result: AskResult, vision: VisionNote): AskResult {
  return result.meta ? { ...result, meta: { ...result.meta, vision } } : result;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
