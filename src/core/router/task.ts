import type { ContextItem, TaskKind } from '../types';

const CODE_HINT = /```|\b(function|class|def|const|let|var|import|return|bug|error|exception|stack trace|compile|refactor|unit test|regex|sql|typescript|javascript|python|rust|golang|java)\b|[{};]\s*$/im;

/** Coarse task kind, enough to pick a default model until the learned router's features arrive. */
export function taskOf(question: string, context: readonly ContextItem[]): TaskKind {
  return context.length > 0 || CODE_HINT.test(question) ? 'code' : 'chat';
}
