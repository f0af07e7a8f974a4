// The chat webview's history list in a real Chromium (same page, CSP and bundle as chatWebview.test.ts):
// what it shows of the host's list, and which messages the user's clicks and typing post.

import { describe, expect, it } from 'vitest';
import type { ConversationSummary, HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { chatHtmlTemplate } from '../../src/vscode/chatHtmlTemplate';
import { CHAT_THEME_STYLE, deliver, pagePerTest, postedBy } from './webviewBrowser';

const chat = pagePerTest({ name: 'chat', template: chatHtmlTemplate, themeStyle: CHAT_THEME_STYLE }, { width: 420, height: 720 });
const host = (message: HostMessage) => deliver(chat.page, message);
const actions = async (type: WebviewMessage['type']) => (await postedBy<WebviewMessage>(chat.page)).filter((m) => m.type === type);

const now = Date.now();
const files: ConversationSummary = { id: 'c1', title: 'How do I read a file?', createdAt: now - 60_000, updatedAt: now - 30_000, questions: 2, answeredBy: ['local · llama3.2', 'cloud · gpt-4o'], open: false };
const closures: ConversationSummary = { id: 'c2', title: 'What is a closure?', createdAt: now - 5_000, updatedAt: now, questions: 1, answeredBy: ['lan · qwen2.5-coder'], open: true };

describe('chat history list', () => {
  it('replaces the conversation with the list and asks the host for it when History is clicked', async () => {
    await chat.page.click('#history-button');
    expect(await chat.page.isVisible('#history-pane')).toBe(true);
    expect(await chat.page.isVisible('#messages')).toBe(false);
    expect(await chat.page.isVisible('#input')).toBe(false);
    expect(await actions('listConversations')).toEqual([{ type: 'listConversations', query: '' }]);
  });

  it('shows each conversation\'s title, date, questions and who answered, the open one marked', async () => {
    await chat.page.click('#history-button');
    await host({ type: 'conversations', query: '', items: [closures, files] });
    expect(await chat.page.locator('.history-title').allInnerTexts()).toEqual(['What is a closure?', 'How do I read a file?']);
    const row = chat.page.locator('.history-item[data-id="c1"]');
    expect(await row.locator('.history-detail').innerText()).toMatch(/^\d\d:\d\d( [AP]M)? · 2 questions$/);
    expect(await row.locator('.history-models').innerText()).toBe('local · llama3.2, cloud · gpt-4o');
    expect(await chat.page.getAttribute('.history-item[data-id="c2"]', 'class')).toContain('open');
    expect(await chat.page.isVisible('#history-empty')).toBe(false);
  });

  it('shows a hostile title as text', async () => {
    await chat.page.click('#history-button');
    const title = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>';
    await host({ type: 'conversations', query: '', items: [{ ...files, title }] });
    expect(await chat.page.locator('.history-title').innerText()).toBe(title);
    expect(await chat.page.locator('#history-list img, #history-list script').count()).toBe(0);
    expect(await chat.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  });

  it('asks the host to search as the user types, and says when nothing matches', async () => {
    await chat.page.click('#history-button');
    await chat.page.fill('#history-search', 'closure');
    await expect.poll(() => actions('listConversations')).toContainEqual({ type: 'listConversations', query: 'closure' });
    await host({ type: 'conversations', query: 'closure', items: [] });
    expect(await chat.page.innerText('#history-empty')).toBe('No conversation mentions "closure".');
  });

  it('ignores a list for an older search than the one in the box', async () => {
    await chat.page.click('#history-button');
    await chat.page.fill('#history-search', 'closure');
    await host({ type: 'conversations', query: 'clo', items: [files] });
    expect(await chat.page.locator('.history-item').count()).toBe(0);
  });

  it('reopens a conversation when its row is clicked, and shows the conversation again', async () => {
    await chat.page.click('#history-button');
    await host({ type: 'conversations', query: '', items: [closures, files] });
    await chat.page.click('.history-item[data-id="c1"] .history-title');
    expect(await actions('conversationAction')).toEqual([{ type: 'conversationAction', action: 'open', id: 'c1' }]);
    expect(await chat.page.isVisible('#history-pane')).toBe(false);
    expect(await chat.page.isVisible('#messages')).toBe(true);
  });

  it('asks the host to rename or delete, keeping the list shown for its answer', async () => {
    await chat.page.click('#history-button');
    await host({ type: 'conversations', query: '', items: [closures, files] });
    await chat.page.click('.history-item[data-id="c1"] .history-rename');
    await chat.page.click('.history-item[data-id="c2"] .history-delete');
    expect(await actions('conversationAction')).toEqual([
      { type: 'conversationAction', action: 'rename', id: 'c1' },
      { type: 'conversationAction', action: 'delete', id: 'c2' },
    ]);
    expect(await chat.page.isVisible('#history-pane')).toBe(true);
  });

  it('opens the list when the host says so (the palette command) and closes it on Escape', async () => {
    await host({ type: 'showHistory' });
    await chat.page.locator('#history-pane').waitFor();
    await chat.page.press('#history-search', 'Escape');
    expect(await chat.page.isVisible('#history-pane')).toBe(false);
    expect(await chat.page.isVisible('#input')).toBe(true);
  });
});
