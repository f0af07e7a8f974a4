// Version 6: the thumbnails of the images sent with a question (a JSON array of {mimeType, base64}, small
// copies made by the panel), so a conversation reopened after a reload still shows what was asked about.
export const sql = `
ALTER TABLE messages ADD COLUMN images TEXT;
`;
