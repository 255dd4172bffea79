// The page and its scripts and styles, read once from the package (src/ui/static, shipped as it is:
// no build step and no CDN) and served from memory by exact name.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

// Both src/ui/*.ts and the built dist/ui/*.js sit two folders below the package root.
const STATIC_DIR = fileURLToPath(new URL('../../src/ui/static/', import.meta.url));

/** Every file of the static folder by its URL path (`/app.js`); `/` is index.html. */
export function loadStaticFiles(dir: string = STATIC_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(`/${name}`, { body, type, etag });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
