// Version 11: what the store keeps about its own file. `journal_generation` names the journal the base file
// extends (set each time the base is saved whole, so a journal already folded into it is never replayed twice);
// `quick_check_at` is when the last background integrity check passed (at most one a day).
export const sql = `
CREATE TABLE store_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
