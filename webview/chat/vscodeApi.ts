import type { WebviewMessage } from '../../src/shared/protocol';
import { connect } from '../shared/vscodeApi';

/** What survives the view being hidden and shown again (the host resends the conversation). */
export interface ChatState {
  draft: string;
  includeContext: boolean;
}

export const vscode = connect<WebviewMessage, ChatState>();
