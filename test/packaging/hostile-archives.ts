// Crafts .tar.gz archives byte by byte, so tests can feed the extractor entries no honest packer writes.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';

export interface CraftedEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  data?: string;
  linkpath?: string;
  /** A pax extended header whose `path` overrides the one in the ustar header. */
  paxPath?: string;
}

export function craftArchive(entries: CraftedEntry[]): { bytes: Uint8Array; hash: string } {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    if (entry.paxPath !== undefined) {
      blocks.push(new Pax({ path: entry.paxPath }).encode());
    }
    const header = new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      size: data.length,
      mode: 0o644,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    });
    header.encode();
    blocks.push(header.block as Buffer, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const bytes = new Uint8Array(gzipSync(Buffer.concat(blocks)));
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}
