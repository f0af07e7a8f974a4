// Version 8: each few-shot example belongs to the workspace it came from, so one project's accepted answers
// are not offered in another's. Existing examples take the workspace of the conversation their answer is in;
// those with none take their request's source key (requests from the CLI or the endpoint have no workspace,
// see learning/examples.ts exampleWorkspace), and the rest '' (offered nowhere, still listed and deletable).
export const sql = `
ALTER TABLE few_shot_examples ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
UPDATE few_shot_examples SET workspace = COALESCE(
  (SELECT c.workspace FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.request_id = few_shot_examples.source_request_id ORDER BY m.rowid LIMIT 1),
  (SELECT CASE r.source WHEN 'cli' THEN 'cli' WHEN 'proxy' THEN 'endpoint' WHEN 'command' THEN 'command' END
     FROM requests r WHERE r.id = few_shot_examples.source_request_id),
  '');
CREATE INDEX few_shot_examples_workspace ON few_shot_examples(workspace, status);
`;
