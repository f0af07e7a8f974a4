// Text from a model or a server, made safe to write to a terminal. A model answer (or an error body a
// node sends) can carry control sequences that the terminal would obey: set the window title, write the
// clipboard (OSC 52), plant links (OSC 8), clear the screen, move the cursor over earlier output. Every
// such sequence is removed whole, and every other control character except tab and newline.

/** Complete sequences: CSI, OSC/DCS/SOS/PM/APC up to BEL or ST, two-character escapes; their 8-bit C1 forms. */
const SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\)|\x1b[ -/]*(?![[\]PX^_])[0-~]|\x9b[0-?]*[ -/]*[@-~]|[\x90\x98\x9d\x9e\x9f][\s\S]*?(?:\x07|\x1b\\|\x9c)/y;

/** The start of a sequence that the next chunk may complete. */
const UNFINISHED = /^(?:\x1b(?:\[[0-?]*[ -/]*|[\]PX^_][\s\S]*|[ -/]*)?|\x9b[0-?]*[ -/]*|[\x90\x98\x9d\x9e\x9f][\s\S]*)$/;

const INTRODUCER = /[\x1b\x90\x98\x9b\x9d\x9e\x9f]/;

/** Carriage return included: it lets text overwrite what was printed before it on the line. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** An unfinished sequence longer than this is no sequence a terminal would wait for: it is dropped. */
const MAX_HELD = 4096;

/**
 * Cleans a stream chunk by chunk. A sequence split across chunks (a token boundary inside it) is held
 * back until it is complete, so neither half reaches the terminal; one still unfinished when the stream
 * ends is never written.
 */
export class TerminalSanitizer {
  private held = '';

  push(chunk: string): string {
    let rest = this.held + chunk;
    this.held = '';
    let out = '';
    for (;;) {
      const at = rest.search(INTRODUCER);
      if (at < 0) return out + rest.replace(CONTROL, '');
      out += rest.slice(0, at).replace(CONTROL, '');
      rest = rest.slice(at);
      SEQUENCE.lastIndex = 0;
      const sequence = SEQUENCE.exec(rest);
      if (sequence) {
        rest = rest.slice(sequence[0].length);
      } else if (UNFINISHED.test(rest) && rest.length <= MAX_HELD) {
        this.held = rest;
        return out;
      } else {
        rest = rest.slice(1);
      }
    }
  }
}

/** One whole piece of text (an error message, a log line) made safe for a terminal. */
export function terminalSafe(text: string): string {
  return new TerminalSanitizer().push(text);
}
