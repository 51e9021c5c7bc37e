/**
 * A minimal zip writer for hostile test archives. yazl (fixtures.ts) refuses to write what an
 * attacker would: climbing or absolute names, backslashes, the same name twice, raw non-UTF-8
 * bytes. This writes whatever it is given, with correct sizes and checksums, so the reader's
 * checks (not a damaged header) are what refuses it.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  /** The name bytes as stored; a string is written as UTF-8. */
  name: string | Buffer;
  data: Buffer;
  deflate?: boolean;
  /** Sets the UTF-8 flag (general purpose bit 11); on by default for string names. */
  utf8?: boolean;
  /** Unix mode with file type bits (e.g. 0o120777 for a symlink); 0o100644 by default. */
  mode?: number;
}

const DOS_DATE_1980_01_01 = 0x21;

export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name) : entry.name;
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const flags = (entry.utf8 ?? typeof entry.name === 'string') ? 0x800 : 0;
    const method = entry.deflate ? 8 : 0;
    const crc = crc32(entry.data) >>> 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the external attributes hold a mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
