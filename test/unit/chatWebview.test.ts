// The chat webview in a real Chromium, without VS Code: the bundle is built here with esbuild.mjs's
// options, served from 127.0.0.1 inside the page chatHtmlTemplate produces (same markup, same CSP), and
// acquireVsCodeApi is stubbed so posted messages can be read and HostMessages dispatched.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEntry, HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { chatHtmlTemplate } from '../../src/vscode/chatHtmlTemplate';
import { artifactPath, CHAT_THEME_STYLE, startWebview, type WebviewUnderTest } from './webviewBrowser';
import { XSS_PAYLOADS } from '../fixtures/xssPayloads';
import sharp from 'sharp';





type TestWindow = Window & { __posted: WebviewMessage[]; __csp: string[]; __pwned?: unknown };

let web: WebviewUnderTest;
let page: Page;

beforeAll(async () => {
  web = await startWebview({ name: 'chat', template: chatHtmlTemplate, themeStyle: CHAT_THEME_STYLE });
}, 60_000);

afterAll(async () => {
  await web?.close();
});

beforeEach(async () => {
  await page?.close();
  page = await web.newPage({ width: 420, height: 720 });
  await expect.poll(() => posted()).toContainEqual({ type: 'ready' });
});

describe('chat webview', () => {
  it('posts ready on load', async () => {
    expect(await posted()).toEqual([{ type: 'ready' }]);
  });

  it('posts an ask with the text and the context toggle when Enter is pressed', async () => {
    await page.fill('#input', 'first line');
    await page.press('#input', 'Shift+Enter');
    await page.keyboard.type('second line');
    await page.press('#input', 'Enter');
    await page.click('#include-context');
    await page.fill('#input', 'without context');
    await page.press('#input', 'Enter');

    expect(await postedOfType('ask')).toEqual([
      { type: 'ask', text: 'first line\nsecond line', includeContext: true },
      { type: 'ask', text: 'without context', includeContext: false },
    ]);
    expect(await page.inputValue('#input')).toBe('');
  });

  it('renders streamed tokens incrementally as markdown', async () => {
    await host({ type: 'answerStart', requestId: 'r1', userEntry: userEntry('u1', 'Give me a list') });
    await host({ type: 'token', requestId: 'r1', text: 'Here you go:\n\n- one\n' });
    await page.locator('.msg.assistant .content li').first().waitFor();
    expect(await page.locator('.msg.assistant .content li').count()).toBe(1);

    await host({ type: 'token', requestId: 'r1', text: '- two\n\n```ts\nconst answer: number = 42;\n```\n' });
    await page.locator('.msg.assistant .content pre code.hljs').waitFor();
    expect(await page.locator('.msg.assistant .content li').allTextContents()).toEqual(['one', 'two']);
    expect(await page.locator('.msg.assistant code.hljs .hljs-keyword').first().textContent()).toBe('const');
    expect(await page.locator('.msg.user .content').textContent()).toBe('Give me a list');
  });

  it('shows the meta line and the final entry when the answer ends', async () => {
    await host({ type: 'answerStart', requestId: 'r2', userEntry: userEntry('u2', 'hi') });
    await host({ type: 'token', requestId: 'r2', text: 'Hel' });
    await host({ type: 'answerMeta', requestId: 'r2', meta: { route: 'local', node: 'this machine', model: 'llama3.2', ttftMs: 87.6, tokensPerSecond: 52, reason: 'short chat → local' } });
    await host({ type: 'answerEnd', requestId: 'r2', entry: { id: 'a2', role: 'assistant', text: 'Hello!' } });

    await expect.poll(() => page.innerText('.msg.assistant .content')).toBe('Hello!');
    expect(await page.textContent('.msg .meta')).toBe('local · this machine · llama3.2 · TTFT 88 ms · 52.0 tok/s');
    expect(await page.getAttribute('.msg .meta', 'title')).toBe('short chat → local');
  });

  it('streams a thinking model\'s reasoning into a folded Thinking block above the answer, as plain text', async () => {
    await host({ type: 'answerStart', requestId: 'r20', userEntry: userEntry('u20', 'hi') });
    await host({ type: 'thinking', requestId: 'r20', text: 'Consider **both** ' });
    await host({ type: 'thinking', requestId: 'r20', text: '<b>cases</b>.' });
    const block = page.locator('.msg.assistant details.thinking');
    await expect.poll(() => block.locator('summary').innerText()).toBe('Thinking…');
    expect(await block.getAttribute('open')).toBeNull();
    await host({ type: 'token', requestId: 'r20', text: 'The answer.' });
    await expect.poll(() => block.locator('summary').innerText()).toBe('Thought');
    await host({ type: 'answerEnd', requestId: 'r20', entry: { id: 'a20', role: 'assistant', text: 'The answer.', thinking: 'Consider **both** <b>cases</b>.' } });
    await expect.poll(() => page.innerText('.msg.assistant .content')).toBe('The answer.');
    await block.locator('summary').click();
    expect(await block.locator('.thinking-text').textContent()).toBe('Consider **both** <b>cases</b>.');
    expect(await block.locator('b, strong').count()).toBe(0);
    expect(await page.locator('.msg.assistant details.thinking').count()).toBe(1);
  });

  it('shows the reasoning of an answer from history folded, above it', async () => {
    await host({ type: 'history', entries: [userEntry('u21', 'q'), { id: 'a21', role: 'assistant', text: 'Answer.', thinking: 'Reasoned.' }] });
    const block = page.locator('.msg.assistant details.thinking');
    await expect.poll(() => block.locator('summary').innerText()).toBe('Thought');
    expect(await page.locator('.msg.assistant > details.thinking + .content').count()).toBe(1);
  });

  it('shows the node model\'s token confidence in the meta line\'s tooltip', async () => {
    const confidence = { tokens: 120, meanLogprob: -0.123, p10Logprob: -0.9, lowShare: 0.04, margin: 2.5 };
    await host({ type: 'answerStart', requestId: 'r9', userEntry: userEntry('u9', 'hi') });
    await host({ type: 'answerEnd', requestId: 'r9', entry: { id: 'a9', role: 'assistant', text: 'Hello!', requestId: 'r9', meta: { route: 'local', model: 'qwen3:8b', reason: 'prior: p_cloud 0.12', confidence } } });
    await expect.poll(() => page.getAttribute('.msg[data-request-id="r9"] .meta, .msg:last-child .meta', 'title')).toContain(
      'Token confidence: mean log-prob -0.12, 10th percentile -0.90, 4% of 120 tokens under 10%, top-1/top-2 margin 2.50',
    );
  });

  it('names under the context report the files nothing of which was sent', async () => {
    const context = { compressed: true, budgetTokens: 6000, tokensBefore: 51_116, tokensAfter: 5_990, relevance: 'lexical' as const, coverage: 0.9, ms: 120, itemsParsed: 120, chunks: [], notes: [], leftOut: ['src/a.ts', 'src/b.ts'] };
    await host({ type: 'answerStart', requestId: 'r10', userEntry: userEntry('u10', 'hi') });
    await host({ type: 'answerEnd', requestId: 'r10', entry: { id: 'a10', role: 'assistant', text: 'Done.', requestId: 'r10', meta: { route: 'cloud', model: 'gpt-test', context } } });
    await expect.poll(() => page.textContent('.context-report .context-left-out')).toBe('Not sent (2 files): src/a.ts, src/b.ts');
  });

  it('posts copy with the code of the block whose copy button was clicked', async () => {
    await host({ type: 'history', entries: [assistantEntry('a1', 'Run:\n\n```bash\necho one\necho two\n```\n\n```\nsecond\n```')] });
    await page.locator('.copy-code').first().click();

    expect(await postedOfType('copy')).toEqual([{ type: 'copy', text: 'echo one\necho two' }]);
    expect(await page.locator('.copy-code').first().textContent()).toBe('Copied');
  });

  it('replaces Send with Stop while streaming and posts stop with the requestId', async () => {
    await host({ type: 'answerStart', requestId: 'r7', userEntry: userEntry('u7', 'long question') });
    await page.locator('#stop').waitFor();
    expect(await page.isHidden('#send')).toBe(true);

    await page.click('#stop');
    expect(await postedOfType('stop')).toEqual([{ type: 'stop', requestId: 'r7' }]);

    await host({ type: 'answerEnd', requestId: 'r7', entry: { id: 'a7', role: 'assistant', text: 'Partial', cancelled: true } });
    await page.locator('#send').waitFor();
    expect(await page.isHidden('#stop')).toBe(true);
    expect(await page.textContent('.msg.assistant .stopped')).toBe('stopped');
  });

  it('renders a hostile answer as inert text', async () => {
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      '[x](javascript:window.__pwned=3)',
      '<svg onload="window.__pwned=4"></svg>',
      '![tracker](x)',
    ].join('\n\n');
    await host({ type: 'answerStart', requestId: 'r9', userEntry: userEntry('u9', hostile) });
    await host({ type: 'token', requestId: 'r9', text: hostile });
    await host({ type: 'answerEnd', requestId: 'r9', entry: assistantEntry('a9', hostile) });
    await expect.poll(() => page.textContent('.msg.assistant .content')).toContain('<img src=x onerror=');
    await page.waitForTimeout(300);

    expect(await page.evaluate(() => (window as unknown as TestWindow).__pwned)).toBeUndefined();
    expect(await page.locator('#messages img, #messages svg, #messages script, #messages a').count()).toBe(0);
    expect(await page.textContent('.msg.assistant .content')).toContain('<svg onload=');
    expect(web.requestedPaths).not.toContain('/x');
  });

  it(`runs none of ${XSS_PAYLOADS.length} XSS payloads sent as answers and fetches nothing they name`, async () => {
    for (const [i, payload] of XSS_PAYLOADS.entries()) {
      await host({ type: 'answerStart', requestId: `x${i}`, userEntry: userEntry(`xu${i}`, 'q') });
      await host({ type: 'token', requestId: `x${i}`, text: payload });
      await host({ type: 'answerEnd', requestId: `x${i}`, entry: assistantEntry(`xa${i}`, payload) });
    }
    await expect.poll(() => page.locator('.msg.assistant:not(.streaming)').count()).toBe(XSS_PAYLOADS.length);
    // Give event handlers (onerror, onload, autofocus) a chance to fire if anything slipped through.
    if ((await page.locator('#clickme').count()) > 0) await page.locator('#clickme').click({ timeout: 1000 });
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as TestWindow).__pwned)).toBeUndefined();
    expect(web.requestedPaths.filter((p) => p.includes('pwned'))).toEqual([]);
    const active = '#messages script, #messages iframe, #messages object, #messages embed, #messages img, #messages svg, #messages style, #messages link, #messages meta, #messages base, #messages form, #messages [onerror], #messages [onload], #messages [onclick], #messages [style]';
    expect(await page.locator(active).count()).toBe(0);
    expect(await page.locator('#messages a[href^="javascript"], #messages a[href^="data"]').count()).toBe(0);
  });

  it('uses no inline styles or scripts that the CSP refuses (lit styles included)', async () => {
    await host({ type: 'status', status: { healthyNodes: 2, totalNodes: 3, cloudConfigured: true, demo: true } });
    await host({ type: 'history', entries: sampleConversation() });
    await host({ type: 'answerStart', requestId: 'r3', userEntry: userEntry('u3', 'And in Python? @src/') });
    await host({ type: 'token', requestId: 'r3', text: '| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\ndef f():\n    return 1\n```' });
    await page.fill('#input', 'what about @ma');
    await page.press('#input', 'a');
    await host({ type: 'fileSuggestions', query: 'maa', files: ['src/main.ts', 'webview/chat/main.ts'] });
    await page.locator('#mentions .mention-item').first().waitFor();
    await page.hover('.code-block');

    // The button's inner layout comes only from lit's adopted stylesheet, so this proves it applied.
    const innerDisplay = await page.evaluate(() => getComputedStyle(document.querySelector('#new-chat')!.shadowRoot!.querySelector('.base')!).display);
    expect(innerDisplay).toBe('flex');
    expect(await page.evaluate(() => (window as unknown as TestWindow).__csp)).toEqual([]);
    expect(web.cspConsoleErrors).toEqual([]);
    await page.screenshot({ path: artifactPath('chat-webview.png') });
  });

  it('shows the demo badge only when the status says demo', async () => {
    await host({ type: 'status', status: { healthyNodes: 2, totalNodes: 3, cloudConfigured: true, demo: true } });
    await page.locator('.demo-badge').waitFor();
    expect(await page.textContent('#status')).toBe('2/3 nodes · cloud ✓');
    expect(await page.textContent('.demo-badge')).toContain('DEMO');

    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: false, demo: false } });
    await page.locator('.demo-badge').waitFor({ state: 'hidden' });
    expect(await page.textContent('#status')).toBe('1/1 nodes · no cloud');
  });

  it('shows a rejected cloud key in the header instead of "cloud ✓", with the refusal as its tooltip', async () => {
    const message = 'cloud provider "e2e-cloud" rejected the API key (HTTP 401). Run "Singularity: Set Cloud API Key" to enter a valid key.';
    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: true, demo: false, rejectedKeys: [{ provider: 'e2e-cloud', message }] } });
    await expect.poll(() => page.textContent('#status')).toBe('1/1 nodes · cloud ✗ key rejected');
    expect(await page.getAttribute('#status', 'title')).toBe(`1 of 1 Ollama nodes reachable; ${message}`);

    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: true, demo: false, rejectedKeys: [] } });
    await expect.poll(() => page.textContent('#status')).toBe('1/1 nodes · cloud ✓');
  });

  it('renders history entries with their meta and errors, and clears on an empty history', async () => {
    await host({ type: 'history', entries: sampleConversation() });
    await page.locator('.msg.assistant').first().waitFor();
    expect(await page.locator('.msg.user').count()).toBe(2);
    expect(await page.locator('.msg.assistant').count()).toBe(2);
    expect(await page.textContent('.msg .meta')).toBe('lan · gpu-box · qwen2.5-coder:7b · TTFT 312 ms · 41.3 tok/s');
    expect(await page.getAttribute('.msg .meta', 'title')).toContain('code question');
    expect(await page.textContent('.msg .error')).toContain('Node gpu-box stopped responding');

    await host({ type: 'history', entries: [] });
    await expect.poll(() => page.locator('#messages .msg').count()).toBe(0);
  });

  it('scrolls to the answer after an image question, once its thumbnail has loaded', async () => {
    const long = Array.from({ length: 12 }, (_, i) => [userEntry(`u${i}`, `question ${i}`), { ...assistantEntry(`a${i}`, 'answer line\n\n'.repeat(6)), requestId: `r${i}` }]).flat();
    await host({ type: 'history', entries: long });
    const png = (await sharp({ create: { width: 96, height: 72, channels: 3, background: '#888' } }).png().toBuffer()).toString('base64');
    await host({ type: 'answerStart', requestId: 'img', userEntry: { ...userEntry('ui', 'Explain this screenshot.'), images: [{ mimeType: 'image/png', base64: png }] } });
    await page.waitForFunction(() => [...document.querySelectorAll('.sent-images img')].every((i) => (i as HTMLImageElement).complete));
    await expect.poll(() => page.evaluate(() => { const m = document.getElementById('messages')!; return m.scrollHeight - m.scrollTop - m.clientHeight; })).toBeLessThan(2);
  });

  it('keeps Retry whole on one line beside a long error', async () => {
    const error = 'Every target failed:\n- ' + 'node "gpu-box" sent no first token within 120 s. '.repeat(8);
    await host({ type: 'history', entries: [userEntry('u1', 'Q'), { ...assistantEntry('a1', ''), requestId: 'req-1', error }] });
    const box = (await page.locator('.msg .error .retry-answer').boundingBox())!;
    const label = (await page.locator('.msg .error .retry-answer span:last-child').boundingBox())!;
    expect(box.width).toBeGreaterThan(50);
    expect(label.height).toBeLessThan(24);
  });

  it('offers Retry on a failed answer, which asks the same question again', async () => {
    await host({ type: 'history', entries: sampleConversation() });
    await page.locator('.msg .error .retry-answer').click();
    await expect.poll(() => postedOfType('ask')).toContainEqual({ type: 'ask', text: 'And stream it?', includeContext: true });
  });

  it('posts fileQuery after @ and inserts the picked suggestion', async () => {
    await page.click('#input');
    await page.keyboard.type('explain @sr');
    await expect.poll(() => postedOfType('fileQuery')).toContainEqual({ type: 'fileQuery', query: 'sr' });

    await host({ type: 'fileSuggestions', query: 'sr', files: ['src/a.ts', 'src/core/b.ts'] });
    await page.locator('#mentions .mention-item').first().waitFor();
    expect(await page.locator('#mentions .mention-item').allTextContents()).toEqual(['src/a.ts', 'src/core/b.ts']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');

    expect(await page.inputValue('#input')).toBe('explain @src/core/b.ts ');
    expect(await page.isHidden('#mentions')).toBe(true);
    expect(await postedOfType('ask')).toEqual([]);
  });

  it('closes the suggestions on Escape without inserting anything', async () => {
    await page.click('#input');
    await page.keyboard.type('@re');
    await expect.poll(() => postedOfType('fileQuery')).toContainEqual({ type: 'fileQuery', query: 're' });
    await host({ type: 'fileSuggestions', query: 're', files: ['README.md'] });
    await page.locator('#mentions .mention-item').waitFor();

    await page.keyboard.press('Escape');
    expect(await page.isHidden('#mentions')).toBe(true);
    expect(await page.inputValue('#input')).toBe('@re');
  });

  it('fills the input and the context toggle on prefill', async () => {
    await host({ type: 'prefill', text: 'Explain this function', includeSelection: false });
    await expect.poll(() => page.inputValue('#input')).toBe('Explain this function');
    expect(await page.isChecked('#include-context')).toBe(false);
  });

  it('keeps the draft when the view is reloaded', async () => {
    await page.fill('#input', 'half a thought');
    await page.reload();
    await page.locator('#input').waitFor();
    await expect.poll(() => posted()).toContainEqual({ type: 'ready' });
    expect(await page.inputValue('#input')).toBe('half a thought');
  });
  it('renders a streaming answer incrementally: a finished block is not rendered again as tokens arrive', async () => {
    await host({ type: 'answerStart', requestId: 'r9', userEntry: userEntry('u9', 'Long one') });
    await host({ type: 'token', requestId: 'r9', text: 'First paragraph, finished.\n\nSecond' });
    const first = page.locator('.msg.assistant .content p').first();
    await first.waitFor();
    await first.evaluate((el) => el.setAttribute('data-marked', 'yes'));
    for (const t of [' paragraph', ' grows', '\n\n```ts\nconst x = 1;\n```\n\nThird']) await host({ type: 'token', requestId: 'r9', text: t });
    await page.locator('.msg.assistant .content code.hljs').waitFor();
    await expect.poll(() => page.locator('.msg.assistant .content p').allTextContents()).toEqual(['First paragraph, finished.', 'Second paragraph grows', 'Third']);
    expect(await page.locator('.msg.assistant .content p[data-marked="yes"]').count()).toBe(1);
    await host({ type: 'answerEnd', requestId: 'r9', entry: assistantEntry('a9', 'First paragraph, finished.\n\nSecond paragraph grows\n\n```ts\nconst x = 1;\n```\n\nThird, done.') });
    await expect.poll(() => page.locator('.msg.assistant .content p').last().textContent()).toBe('Third, done.');
  });

  it('sends thumbs for the answer they are under, and shows which one is pressed', async () => {
    const answer: HistoryEntry = { ...assistantEntry('a1', 'An answer'), requestId: 'req-1', meta: { route: 'local', node: 'laptop', model: 'llama3.2' } };
    await host({ type: 'history', entries: [userEntry('u1', 'Q'), answer] });
    await page.click('.feedback-button[data-value="-1"]');
    await page.click('.feedback-button[data-value="1"]');
    expect(await postedOfType('feedback')).toEqual([
      { type: 'feedback', requestId: 'req-1', value: -1 },
      { type: 'feedback', requestId: 'req-1', value: 1 },
    ]);
    expect(await page.getAttribute('.feedback-button[data-value="1"]', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('.feedback-button[data-value="-1"]', 'aria-pressed')).toBe('false');
  });

  it('offers "Ask the cloud" under a node answer only, and sends a reroute for it', async () => {
    const local: HistoryEntry = { ...assistantEntry('a1', 'From the node'), requestId: 'req-1', meta: { route: 'lan', node: 'gpu', model: 'm' } };
    const fromCloud: HistoryEntry = { ...assistantEntry('a2', 'From the cloud'), requestId: 'req-2', meta: { route: 'cloud', model: 'gpt' } };
    await host({ type: 'history', entries: [userEntry('u1', 'Q'), local, userEntry('u2', 'Q2'), fromCloud] });
    expect(await page.locator('.reroute-answer').count()).toBe(1);
    await page.click('.reroute-answer');
    expect(await postedOfType('reroute')).toEqual([{ type: 'reroute', requestId: 'req-1' }]);
  });

  it('does not offer "Ask the cloud" in a local-only workspace or without a cloud, and offers it again when one is allowed', async () => {
    const local: HistoryEntry = { ...assistantEntry('a1', 'From the node'), requestId: 'req-1', meta: { route: 'local', model: 'm' } };
    await host({ type: 'history', entries: [userEntry('u1', 'Q'), local] });
    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: true, localOnly: true, demo: false } });
    expect(await page.isVisible('.reroute-answer')).toBe(false);
    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: false, demo: false } });
    expect(await page.isVisible('.reroute-answer')).toBe(false);
    await host({ type: 'status', status: { healthyNodes: 1, totalNodes: 1, cloudConfigured: true, localOnly: false, demo: false } });
    expect(await page.isVisible('.reroute-answer')).toBe(true);
  });

  it('restores given thumbs from history and offers none on failed answers', async () => {
    const rated: HistoryEntry = { ...assistantEntry('a1', 'Rated'), requestId: 'req-1', feedback: -1, meta: { route: 'local', model: 'm' } };
    const failed: HistoryEntry = { ...assistantEntry('a2', ''), requestId: 'req-2', error: 'Node down' };
    await host({ type: 'history', entries: [userEntry('u1', 'Q'), rated, userEntry('u2', 'Q2'), failed] });
    expect(await page.getAttribute('.msg[data-id="a1"] .feedback-button[data-value="-1"]', 'aria-pressed')).toBe('true');
    expect(await page.locator('.msg[data-id="a2"] .feedback').count()).toBe(0);
  });
});




async function host(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function posted(): Promise<WebviewMessage[]> {
  return page.evaluate(() => (window as unknown as TestWindow).__posted);
}

async function postedOfType(type: WebviewMessage['type']): Promise<WebviewMessage[]> {
  return (await posted()).filter((m) => m.type === type);
}

function userEntry(id: string, text: string): HistoryEntry {
  return { id, role: 'user', text };
}

function assistantEntry(id: string, text: string): HistoryEntry {
  return { id, role: 'assistant', text };
}

function sampleConversation(): HistoryEntry[] {
  return [
    userEntry('h1', 'How do I read a file in TypeScript?'),
    {
      ...assistantEntry('h2', 'Use `fs.promises.readFile`:\n\n```ts\nimport { readFile } from "node:fs/promises";\nconst text = await readFile("a.txt", "utf8");\n```\n\nSee https://nodejs.org/api/fs.html'),
      meta: { route: 'lan', node: 'gpu-box', model: 'qwen2.5-coder:7b', ttftMs: 312.4, tokensPerSecond: 41.25, reason: 'code question → coder model on LAN' },
    },
    userEntry('h3', 'And stream it?'),
    { ...assistantEntry('h4', ''), error: 'Node gpu-box stopped responding' },
  ];
}
