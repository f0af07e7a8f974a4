import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask } from '../../src/core/pipeline';
import { assignArm } from '../../src/core/router/abtest';
import { LearnedRouter } from '../../src/core/router/learned';
import { DEFAULT_ROUTER_SETTINGS } from '../../src/core/router/settings';
import { silentLogger } from '../../src/core/log';
import { trainGbdt } from '../../src/core/router/model/gbdt';
import { toOnnx } from '../../src/core/router/model/onnx';
import { extractFeatures, FEATURE_COUNT, FEATURE_SCHEMA } from '../../src/core/router/features';
import { chats, cloud, cloudOf, input, nodeOf, ollama, result, setup } from './support';
import { EVERYDAY_QUESTIONS } from '../fixtures/everydayQuestions';
import { SentenceEncoder } from '../../src/core/providers/sentenceEncoder';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function modelFiles(shipped = 'models/router.onnx') {
  const dir = mkdtempSync(join(tmpdir(), 'singularity-models-'));
  dirs.push(dir);
  return { shipped, dir };
}

async function world(settings = {}, files = modelFiles(), extra = {}) {
  const node = await ollama({ reply: () => 'from the node' });
  const api = await cloud({ reply: () => 'from the cloud' });
  const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] }, { learned: { files, settings: { mode: 'ml', ...settings }, random: () => 0.99, ...extra } });
  return { ...w, node, api, files };
}

/** A question from the chat panel, where the user can react to the answer. */
const panelInput: typeof input = (over = {}) => input({ source: 'panel', ...over });

const rows = async (w: Pick<Awaited<ReturnType<typeof setup>>, 'store'>, sql: string) => await w.store.query<Record<string, unknown>>(sql);

describe('learned router in the pipeline', async () => {
  it('routes to the nodes when the calibrated threshold allows no cloud share', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 } });
    const r = await result(ask(panelInput(), w.deps));
    expect(r.meta?.route).toBe('local');
    expect(r.meta?.reason).toMatch(/^prior: p_cloud/);
  });

  it('routes to the cloud when the policy sends every request there, with the node as fallback', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 1 } });
    const r = await result(ask(panelInput(), w.deps));
    expect(r.meta?.route).toBe('cloud');
    expect(chats(w.node)).toHaveLength(0);
  });

  it('holds the 30% cloud share from the first request: every 20 of 48 everyday questions, on both A/B arms', async () => {
    const w = await world({ mode: 'ab', policy: { mode: 'cloudShare', cloudShare: 0.3 } });
    const routes: string[] = [];
    for (const question of EVERYDAY_QUESTIONS) routes.push((await result(ask(panelInput({ question }), w.deps))).meta!.route);
    for (let i = 0; i + 20 <= routes.length; i++) {
      const cloudShare = routes.slice(i, i + 20).filter((r) => r === 'cloud').length / 20;
      expect(Math.abs(cloudShare - 0.3), `requests ${i + 1}-${i + 20}`).toBeLessThanOrEqual(0.1);
    }
    const arms = (await rows(w, "SELECT strategy FROM requests WHERE strategy IN ('ml', 'heuristic')")).map((r) => r.strategy);
    expect(new Set(arms)).toEqual(new Set(['ml', 'heuristic']));
    expect((await w.router!.status()).thresholds.ml).toMatchObject({ share: 0.3, realizedOver: 48 });
  });

  it('goes on holding the share in a new process on the same database (a one-shot CLI request each time)', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0.3 } });
    const routes: string[] = [];
    for (const question of EVERYDAY_QUESTIONS.slice(0, 20)) {
      const router = new LearnedRouter(w.files, () => ({ ...DEFAULT_ROUTER_SETTINGS, mode: 'ml', policy: { mode: 'cloudShare', cloudShare: 0.3 } }), silentLogger, w.routerData, { random: () => 0.99 });
      routes.push((await result(ask(panelInput({ question }), { ...w.deps, router }))).meta!.route);
      await router.dispose();
    }
    expect(routes.filter((r) => r === 'cloud').length).toBeGreaterThanOrEqual(4);
    expect(routes.filter((r) => r === 'cloud').length).toBeLessThanOrEqual(8);
  });

  it('learns on the meaning of the user\'s questions: after their feedback, a new question like those they rejected on the node ranks higher', async () => {
    const encoder = new SentenceEncoder();
    onTestFinished(() => encoder.dispose());
    const node = await ollama({ reply: () => 'from the node' });
    const api = await cloud({ reply: () => 'from the cloud' });
    // Every question to the node (cloud share 0), so each gets the user's verdict.
    const w = await setup(
      { nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] },
      { learned: { files: modelFiles(), settings: { mode: 'ml', policy: { mode: 'cloudShare', cloudShare: 0 } }, random: () => 0.99 }, meaning: encoder },
    );
    await encoder.embed(['warm up']);
    const pandas = ['filter rows of a pandas dataframe by two columns', 'group a pandas dataframe by month and sum', 'merge two pandas dataframes on an id column', 'pivot a pandas dataframe into wide format', 'drop NaN values from one pandas column'];
    const css = ['center a div horizontally with css', 'make a css grid with three equal columns', 'add a box shadow to a button in css', 'stick a footer to the bottom with css', 'animate a css color change on hover'];
    for (let round = 0; round < 6; round++) {
      for (const [questions, thumbs] of [[pandas, -1], [css, 1]] as const) {
        for (const question of questions) {
          const i = panelInput({ question: `${question} (${round})` });
          await result(ask(i, w.deps));
          await w.routerData.thumbs(i.id, thumbs);
        }
      }
    }
    await w.routerData.save();
    const p = async (question: string) => {
      const [vector] = await encoder.embed([question]);
      const features = extractFeatures({ question, contextChars: 0, historyTurns: 0, hasImages: false });
      return (await w.router!.score(features, 'k', 0.5, { model: encoder.model, vector: Float32Array.from(vector!) })).prediction.pCloud;
    };
    expect(await p('rename the columns of a pandas dataframe')).toBeGreaterThan(await p('round the corners of an image with css'));
    const scored = await w.router!.score(extractFeatures({ question: 'x', contextChars: 0, historyTurns: 0, hasImages: false }), 'k', 0.5, { model: encoder.model, vector: Float32Array.from((await encoder.embed(['x']))[0]!) });
    expect(scored.by).toMatch(/your questions/);
  }, 60_000);

  it('routes without the meaning of questions, and says why on the dashboard, when the embedding node stops answering', async () => {
    const node = await ollama({ reply: () => 'from the node' });
    const embedder = await ollama({ models: ['nomic-embed-text:latest'] });
    const api = await cloud({ reply: () => 'from the cloud' });
    const w = await setup(
      { nodes: [nodeOf(node, 'laptop'), nodeOf(embedder, 'embedder')], cloudProviders: [cloudOf(api)] },
      { learned: { files: modelFiles(), settings: { mode: 'ml' }, random: () => 0.99 }, context: { embeddingModel: 'nomic-embed-text' }, meaning: new SentenceEncoder() },
    );
    await embedder.close();
    const r = await result(ask(panelInput(), w.deps));
    expect(r.outcome).toBe('ok');
    expect((await w.router!.status()).meaningProblem).toMatch(/embedder/);
  });

  it('records a training row with the features and a prediction for every routed request', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 } });
    const i = panelInput();
    await result(ask(i, w.deps));
    const [row] = await rows(w, `SELECT route, label, features, cloud_tokens_saved FROM ml_router_training_data WHERE request_id = '${i.id}'`);
    expect(row).toMatchObject({ route: 'local', label: '0' });
    expect(JSON.parse(String(row!.features)).length).toBeGreaterThan(3);
    expect(Number(row!.cloud_tokens_saved)).toBeGreaterThan(0);
    const [prediction] = await rows(w, `SELECT predicted_route, confidence, model_version FROM ml_router_predictions WHERE request_id = '${i.id}'`);
    expect(prediction!.predicted_route).toBe('nodes');
    expect(String(prediction!.model_version)).toMatch(/^shipped model@/);
  });

  it('keeps the explicit route of a request: no prediction overrides it', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 1 } });
    const r = await result(ask(panelInput({ route: 'local' }), w.deps));
    expect(r.meta?.route).toBe('local');
  });

  const label = async (w: Awaited<ReturnType<typeof world>>, id: string) => (await rows(w, `SELECT label FROM ml_router_training_data WHERE request_id = '${id}'`))[0]!.label;

  it('turns thumbs into labels: a thumbs-down on a node answer says the cloud was needed, a thumbs-up that it was not', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 } });
    const [a, b, c] = [panelInput(), panelInput(), panelInput()];
    for (const i of [a, b, c]) await result(ask(i, w.deps));
    await w.routerData.thumbs(a.id, -1);
    await w.routerData.thumbs(b.id, 1);
    expect([await label(w, a.id), await label(w, b.id), await label(w, c.id)]).toEqual(['1', '0', '0']);
  });

  it('labels a rerouted node answer by what the cloud then answered: 1 if accepted, 0 if rejected too', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 } });
    const [good, bad] = [panelInput(), panelInput()];
    for (const i of [good, bad]) await result(ask(i, w.deps));
    const [goodCloud, badCloud] = [panelInput({ route: 'cloud' }), panelInput({ route: 'cloud' })];
    await w.routerData.rerouted(good.id, goodCloud.id);
    await w.routerData.rerouted(bad.id, badCloud.id);
    expect([await label(w, good.id), await label(w, bad.id)]).toEqual(['1', '1']);
    for (const i of [goodCloud, badCloud]) expect((await result(ask(i, w.deps))).meta?.route).toBe('cloud');
    await w.routerData.thumbs(badCloud.id, -1);
    expect([await label(w, good.id), await label(w, bad.id)]).toEqual(['1', '0']);
  });

  it('gives no implicit label to answers nobody could react to (CLI, batch, API clients)', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 } });
    const i = input({ source: 'proxy' });
    await result(ask(i, w.deps));
    expect(await label(w, i.id)).toBeNull();
  });

  it('leaves cloud answers unlabelled: they say nothing about whether a node would have done', async () => {
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 1 } });
    const i = panelInput();
    await result(ask(i, w.deps));
    await w.routerData.thumbs(i.id, 1);
    expect((await rows(w, `SELECT label FROM ml_router_training_data WHERE request_id = '${i.id}'`))[0]!.label).toBeNull();
  });

  it("routes with the user's own model when one is set, and does not retrain over it", async () => {
    const files = modelFiles();
    const own = join(files.dir, 'mine.onnx');
    copyFileSync('models/router.onnx', own);
    const w = await world({ modelPath: own, retrainEvery: 1 }, files);
    const r = await result(ask(panelInput(), w.deps));
    expect(r.meta?.reason).toMatch(/^model: /);
    expect((await w.router!.status()).model?.source).toBe('your model');
    expect(await w.router!.dueForRetrain(1)).toBe(false);
  });

  it('falls back to the shipped model when the retrained one is corrupt, and says why', async () => {
    const files = modelFiles();
    writeFileSync(join(files.dir, 'router.onnx'), 'garbage, not ONNX');
    const w = await world({}, files);
    const r = await result(ask(panelInput(), w.deps));
    expect(r.outcome).toBe('ok');
    const status = await w.router!.status();
    expect(status.model?.source).toBe('shipped model');
    expect(status.fallback).toMatch(/retrained model/);
    expect(await rows(w, "SELECT kind FROM router_events WHERE kind = 'fallback'")).toHaveLength(1);
  });

  it('routes by the prior when no model loads, and every request is still answered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'singularity-corrupt-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'router.onnx'), new Uint8Array([8, 1, 18, 3, 0xff, 0xff]));
    const w = await world({}, { shipped: join(dir, 'router.onnx'), dir });
    const r = await result(ask(panelInput(), w.deps));
    expect(r.outcome).toBe('ok');
    expect(r.meta?.reason).toMatch(/^prior \(no model could be loaded/);
    expect((await w.router!.status()).fallback).toMatch(/routing by the prior/);
  });

  it('falls back to the prior when a model loads but fails when run, and keeps answering', async () => {
    const files = modelFiles();
    // Its metadata claims the schema's 25 columns, its graph wants 30: ONNX Runtime refuses at the first run.
    const broken = await trainGbdt({ rows: [new Float32Array(30), Float32Array.from({ length: 30 }, () => 1)], labels: [0, 1] }, { trees: 1 });
    writeFileSync(join(files.dir, 'router.onnx'), toOnnx(broken, { schemaVersion: FEATURE_SCHEMA.version, featureCount: FEATURE_COUNT, createdAt: 'x', trainedOn: 'broken', rows: 2 }));
    const w = await world({}, files);
    const first = await result(ask(panelInput(), w.deps));
    const second = await result(ask(panelInput(), w.deps));
    expect([first.outcome, second.outcome]).toEqual(['ok', 'ok']);
    expect(first.meta?.reason).toMatch(/^prior/);
    expect((await w.router!.status()).fallback).toMatch(/retrained model failed when run, routing by the prior/);
  });

  it('A/B tests per conversation: the same conversation always gets the same arm', async () => {
    const w = await world({ mode: 'ab', mlShare: 0.5 });
    for (const conversationId of ['c1', 'c2', 'c3', 'c4']) {
      await result(ask(panelInput({ conversationId }), w.deps));
      await result(ask(panelInput({ conversationId }), w.deps));
    }
    const strategies = await rows(w, 'SELECT conversation_id AS c, strategy FROM requests ORDER BY created_at');
    for (const { c, strategy } of strategies) expect(strategy).toBe(assignArm(String(c), 0.5));
  });

  it('promotes the arm that uses fewer cloud tokens without losing acceptance, logs it, and keeps it after a restart', async () => {
    const w = await setup({});
    const files = modelFiles();
    const settings = () => ({ ...DEFAULT_ROUTER_SETTINGS, mode: 'ab' as const });
    const router = new LearnedRouter(files, settings, silentLogger, w.routerData, { promotion: { minPerArm: 10 } });
    const x = extractFeatures({ question: 'q', contextChars: 0, historyTurns: 0, hasImages: false });
    const answered = async (id: string, arm: string, route: 'local' | 'cloud') => {
      await w.requests.record({ id, source: 'panel', route, strategy: arm, promptTokens: 400, completionTokens: 100, tokensEstimated: false, attempts: 1, outcome: 'ok', createdAt: Date.now() });
      await w.routerData.record({ requestId: id, features: x, route, outcome: 'ok', feedbackPossible: true, createdAt: Date.now() });
    };
    // The ml arm holds the 30% target (4 of 12 to the cloud); the heuristic arm sends everything there.
    for (let i = 0; i < 12; i++) (await answered(`h${i}`, 'heuristic', 'cloud'));
    for (let i = 0; i < 12; i++) (await answered(`m${i}`, 'ml', i < 4 ? 'cloud' : 'local'));
    expect((await router.status()).promoted).toMatchObject({ arm: 'ml' });
    expect(await rows(w, "SELECT detail FROM router_events WHERE kind = 'promotion'")).toHaveLength(1);
    await router.dispose();
    const restarted = new LearnedRouter(files, settings, silentLogger, w.routerData);
    expect((await restarted.status()).promoted?.arm).toBe('ml');
    expect((await restarted.score(x, 'any conversation')).arm).toBe('ml');
    await restarted.dispose();
  });

  it('retrains in the background after enough new labels, installs the better model and keeps the previous one', async () => {
    const files = modelFiles();
    copyFileSync('models/router.onnx', join(files.dir, 'router.onnx'));
    const w = await world({ policy: { mode: 'cloudShare', cloudShare: 0 }, retrainEvery: 60 }, files, { retrain: { minRows: 40 } });
    // This user's node fails on every question about zebras: something only their own feedback can teach.
    for (let k = 0; k < 60; k++) {
      const i = panelInput({ question: k % 2 ? `Tell me about zebras, fact ${k}` : `Tell me about lions, fact ${k}` });
      await result(ask(i, w.deps));
      await w.routerData.thumbs(i.id, k % 2 ? -1 : 1);
    }
    await w.router!.retrain();
    const events = (await rows(w, "SELECT detail FROM router_events WHERE kind = 'retrain'")).map((r) => JSON.parse(String(r.detail)));
    expect(events[0]).toMatchObject({ kind: 'replaced', rows: 60 });
    expect(existsSync(join(files.dir, 'router.previous.onnx'))).toBe(true);
    expect((await w.router!.status()).model?.info.trainedOn).toMatch(/of your rows/);
  });
});
