// Serves the chat page (public/index.html) through the HTTP API.
import { readFile } from 'node:fs/promises';

const html = readFile(new URL('../public/index.html', import.meta.url), 'utf8');

export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: await html });
