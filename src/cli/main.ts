// The `singularity` command: the same core as the extension, without an editor.
//
//   singularity ask [--config FILE] [--node URL]... [--cloud-base URL --cloud-model M] [--model M]
//                   [--route local|lan|cloud|auto] [--db FILE] [--image FILE]... [--mode M] "prompt"
//   singularity ocr FILE...   (local OCR; see ./vision.ts)
//   singularity serve ...   (the OpenAI-compatible endpoint; see ./serve.ts)
//   singularity train | route-eval | route-score | route-replay ...   (router models; see ./router.ts)
//   singularity compress --query Q --budget TOKENS FILE...   (context compression; see ./compress.ts)
//   singularity train-gate | gate-score ...   (the quality gate; see ./gate.ts)
//   singularity clear-data --db FILE --yes   (deletes every recorded row; see ./clearData.ts)
//
// The answer streams to stdout; a one-line JSON summary goes to stderr. Cloud keys come from
// SINGULARITY_CLOUD_API_KEY or the config file's cloudProviders[].apiKey, never from flags.

import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ask } from '../core/pipeline';
import type { RouteRequest } from '../core/types';
import { runRouteEval, runRouteReplay, runRouteScore, runTrain, UsageError } from './router';
import { openRuntime, RUNTIME_OPTIONS } from './runtime';
import { runServe } from './serve';
import { runCompress } from './compress';
import { runGateScore, runTrainGate } from './gate';
import { runClearData } from './clearData';
import { readImages, runOcr, VISION_OPTIONS, visionModeFlag } from './vision';
import { TerminalSanitizer, terminalSafe } from './terminalText';

const USAGE = `Usage:
  singularity compress --query "QUESTION" --budget TOKENS [--threshold X] [--node URL --embed-model M] FILE...
    Prints the context as a cloud model would get it (kept chunks, elision markers) to stdout and a JSON
    line of stats (tokensBefore, tokensAfter, chunksKept, chunksDropped, ms, and leftOut: files nothing of which
    fit the budget) to stderr.

  singularity ask [--config FILE] [--node URL]... [--cloud-base URL --cloud-model M] [--model M]
                  [--route local|lan|cloud|auto] [--db FILE] [--verbose] [--image FILE]... [--mode M] "prompt"

  --config FILE   JSON shaped like the extension's settings: {"nodes": [...], "cloudProviders": [...], "defaultModels": {...}}
  --node URL      an Ollama node (repeatable); added to the config's nodes
  --cloud-base    base URL of an OpenAI-compatible API; with --cloud-model
  --route         force a route (default auto)
  --verbose       log routing to stderr, and a thinking model's reasoning (never on stdout)
  Thinking models: "think": "auto" | "on" | "off" | "low" | "medium" | "high" in --config (default auto)
  --db FILE       record the request in this database (default: not recorded)
  --image FILE    an image (png, jpg, gif, webp, bmp; repeatable): answered by the vision model on a node
                  (defaultModels.vision), checked against local OCR, the cloud when the answer is poor
  --mode M        what to do with the images: auto (default, from the question), error, describe, extract
  Cloud API key: environment variable SINGULARITY_CLOUD_API_KEY (or cloudProviders[].apiKey in --config).

  singularity clear-data --db FILE --yes
    Deletes every request, conversation, training row, example, embedding and daily aggregate recorded in
    FILE (the schema stays). Without --yes it refuses.

  singularity ocr FILE...
    Prints the text local OCR (tesseract.js, offline) reads in each image; a JSON line per image on stderr.

  singularity serve [--config FILE] [--node URL]... [--cloud-base URL --cloud-model M] [--db FILE]
                    [--port N] [--host H] [--allow-remote]
    An OpenAI-compatible endpoint (model "singularity/auto" routes). Key: SINGULARITY_PROXY_KEY, or one is
    generated and printed once. Port 8642 by default; loopback only unless --allow-remote.

  singularity train --data FILE.jsonl[:WEIGHT]... [--trees N] [--depth D] [--seed S] --out FILE.onnx
  singularity route-eval --data FILE.jsonl [--model FILE.onnx]
  singularity route-score --data FILE.jsonl [--model FILE.onnx] --out PREDS.jsonl
  singularity route-replay --data FILE.jsonl --out PREDS.jsonl [--retrain-every N] [--seed S] [--shuffle]
                           [--model FILE.onnx] [--explore E] [--cloud-share S]
    FILE.jsonl rows follow the router benchmark format (docs/ML_ROUTER_IMPLEMENTATION.md); the model
    defaults to the shipped models/router.onnx.

  singularity train-gate --data FILE.jsonl... [--seed S] --out FILE.json
  singularity gate-score --data FILE.jsonl [--model FILE.json] [--threshold T] --out PREDS.jsonl
    Rows carry "prompt" and "local_answer" (training also "local": {"score"} and "cloud": {"score"});
    gate-score writes {"id", "p_cloud"} per row with the extension's gate (default models/gate.json).`;

const ROUTES: readonly RouteRequest[] = ['local', 'lan', 'cloud', 'auto'];


async function runAsk(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      model: { type: 'string' },
      route: { type: 'string', default: 'auto' },
      ...VISION_OPTIONS,
    },
  });
  const images = readImages(values.image);
  const visionMode = visionModeFlag(values.mode);
  const prompt = positionals.join(' ').trim() || (images.length > 0 ? 'Explain this screenshot.' : '');
  if (!prompt) throw new UsageError('No prompt given.');
  const route = values.route as RouteRequest;
  if (!ROUTES.includes(route)) throw new UsageError(`--route must be one of ${ROUTES.join(', ')}.`);
  const runtime = await openRuntime(values);
  const { deps, nodes } = runtime;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    await nodes.refresh();
    const events = ask(
      { id: randomUUID(), question: prompt, history: [], context: [], route, model: values.model, source: 'cli', signal: controller.signal, ...(images.length > 0 ? { images, visionMode } : {}) },
      deps,
    );
    let reasoning = false;
    // Model and server text goes to a terminal: no control sequence of theirs may reach it (terminalText.ts).
    const answer = new TerminalSanitizer();
    const thoughts = new TerminalSanitizer();
    for await (const event of events) {
      // A thinking model's reasoning is not the answer: stdout stays the answer alone, for pipes.
      if (event.type === 'thinking' && values.verbose) {
        process.stderr.write(reasoning ? thoughts.push(event.text) : `[thinking] ${thoughts.push(event.text)}`);
        reasoning = true;
      } else if (reasoning && (event.type === 'token' || event.type === 'end')) {
        process.stderr.write('\n');
        reasoning = false;
      }
      if (event.type === 'token') process.stdout.write(answer.push(event.text));
      if (event.type === 'escalated') process.stdout.write(`\n\n--- escalated to the cloud: ${terminalSafe(event.verdict.reasons.join('; '))} ---\n\n`);
      if (event.type !== 'end') continue;
      const { result } = event;
      if (result.text && !result.text.endsWith('\n')) process.stdout.write('\n');
      process.stderr.write(`${terminalSafe(JSON.stringify({ outcome: result.outcome, ...result.meta, error: result.error }))}\n`);
      if (result.outcome === 'error') process.stderr.write(`singularity: ${terminalSafe(result.error ?? '')}\n`);
      return result.outcome === 'ok' ? 0 : 1;
    }
    return 1;
  } finally {
    await runtime.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const commands: Record<string, (argv: string[]) => Promise<number>> = {
    ask: runAsk,
    train: runTrain,
    'route-eval': runRouteEval,
    'route-score': runRouteScore,
    'route-replay': runRouteReplay,
    'train-gate': runTrainGate,
    'gate-score': runGateScore,
    serve: runServe,
    compress: runCompress,
    ocr: runOcr,
    'clear-data': runClearData,
  };
  const run = commands[command];
  if (!run) throw new UsageError(`Unknown command "${command}".`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`singularity: ${terminalSafe(err.message)}\n`);
    // parseArgs reports unknown or malformed flags with ERR_PARSE_ARGS_* codes: those are usage errors too.
    const usage = err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    if (usage) process.stderr.write(`\n${USAGE}\n`);
    process.exit(usage ? 2 : 1);
  },
);
