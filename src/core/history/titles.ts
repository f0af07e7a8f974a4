// Decisions about how a conversation is named in the history list (pure; the store only keeps the result).

/** Longest title, automatic or given by the user: one line of the side panel's list. */
export const MAX_TITLE = 60;

/** A conversation's automatic title: its first question on one line, cut at a word when it is too long. */
export function conversationTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  if (line.length <= MAX_TITLE) return line;
  const cut = line.slice(0, MAX_TITLE - 1);
  const atWord = cut.lastIndexOf(' ');
  // A word boundary only when it keeps most of the line; one long token (a path, a URL) is cut where it is.
  return `${(atWord >= MAX_TITLE / 2 ? cut.slice(0, atWord) : cut).trimEnd()}…`;
}

/** Why a new name cannot be used, or undefined when it can (shown while the user types it). */
export function titleProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a name for the conversation, or press Escape to keep the current one.';
  if (/[\r\n]/.test(name)) return 'A conversation name is one line.';
  if (trimmed.length > MAX_TITLE) return `Use at most ${MAX_TITLE} characters (this one has ${trimmed.length}).`;
  return undefined;
}

/** Who answered a conversation, once each and in the order they first answered: "local · llama3.2". */
export function answeredBy(answers: readonly { route: string; model: string }[]): string[] {
  return [...new Set(answers.map((m) => `${m.route} · ${m.model}`))];
}
