import { describe, expect, it } from 'vitest';
import { TerminalSanitizer, terminalSafe } from '../../src/cli/terminalText';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;

describe('text made safe for a terminal', () => {
  it.each([
    ['an OSC window title ended by BEL', `${ESC}]0;pwned${BEL}`],
    ['an OSC 52 clipboard write ended by ST', `${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=${ST}`],
    ['an OSC 8 link', `${ESC}]8;;https://evil.example${ST}`],
    ['a clear screen and cursor home', `${ESC}[2J${ESC}[H`],
    ['a colour', `${ESC}[31;1m`],
    ['a DCS string', `${ESC}P+q544e${ST}`],
    ['an 8-bit CSI', '\x9b2J'],
    ['an 8-bit OSC', `\x9d0;pwned${BEL}`],
    ['a two-character escape (reset terminal)', `${ESC}c`],
  ])('removes %s whole, keeping the text around it', (_name, sequence) => {
    expect(terminalSafe(`before ${sequence}after`)).toBe('before after');
  });

  it('removes carriage returns, backspaces and other control characters but keeps tabs and newlines', () => {
    expect(terminalSafe('a\tb\r\nc\bd\x00e\x7f\n')).toBe('a\tb\ncde\n');
  });

  it('leaves ordinary text, code and non-Latin letters as they are', () => {
    const text = 'const x = a[0] ?? "]"; // ünïcödé 日本語 🙂\n';
    expect(terminalSafe(text)).toBe(text);
  });

  it('removes a sequence split across stream chunks, writing neither half', () => {
    const stream = new TerminalSanitizer();
    const chunks = ['title: ', `${ESC}`, ']0;pw', `ned${BEL}done`];
    expect(chunks.map((c) => stream.push(c)).join('')).toBe('title: done');
  });

  it('never writes a sequence still unfinished at the end of the text', () => {
    expect(terminalSafe(`answer ${ESC}]52;c;Y3Vy`)).toBe('answer ');
  });

  it('drops a lone escape character that starts no sequence', () => {
    expect(terminalSafe(`a${ESC}\nb`)).toBe('a\nb');
  });
});
