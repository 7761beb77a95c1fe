/**
 * The idx file format (the MNIST / Fashion-MNIST distribution format): a 4-byte magic number
 * 0x00 0x00 <data type> <number of dims>, then each dimension as a big-endian uint32, then the
 * values row-major. Labels files are 0x00000801 (unsigned bytes, 1 dim), images 0x00000803
 * (unsigned bytes, 3 dims: count, rows, columns). Files may be gzipped; that is detected from
 * the gzip magic bytes 1f 8b, not from the file name.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { DatasetFile } from './dataset.ts';
import { readDataFile } from './data-file.ts';
import { DatasetError } from './dataset-error.ts';

const gunzipAsync = promisify(gunzip);

/** The only idx data type supported: unsigned byte. */
export const IDX_UNSIGNED_BYTE = 0x08;

const IDX_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short (int16)',
  0x0c: 'int (int32)',
  0x0d: 'float (float32)',
  0x0e: 'double (float64)',
};

/** The magic number of an unsigned-byte idx file of the given rank (0x00000801 labels, 0x00000803 images). */
export function idxMagic(rank: number): number {
  return (IDX_UNSIGNED_BYTE << 8) | rank;
}

/** An unsigned-byte idx array: its dimensions and row-major values. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function hasGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzipped bytes; other bytes are returned as they are. Corrupt gzip is a DatasetError naming `file`. */
export async function gunzipIfCompressed(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!hasGzipMagic(bytes)) return bytes;
  try {
    return new Uint8Array(await gunzipAsync(bytes));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatasetError({
      file,
      problem: `gzip decompression failed (${reason}): the file starts with the gzip magic bytes 1f 8b but is corrupt or truncated`,
    });
  }
}

/**
 * Parses uncompressed idx bytes holding unsigned bytes in `expectedRank` dimensions.
 * Every inconsistency (magic, data type, rank, header or payload length) is a DatasetError naming `file`.
 */
export function parseIdx(raw: Uint8Array, file: string, expectedRank: number): IdxArray {
  const expectedMagic = hex32(idxMagic(expectedRank));
  const what = expectedRank === 1 ? 'idx labels' : expectedRank === 3 ? 'idx images' : `idx ${expectedRank}-dimensional`;
  const fail = (problem: string): never => {
    throw new DatasetError({ file, problem });
  };
  if (raw.length < 4) {
    fail(`too short for an idx file: ${raw.length} bytes, expected at least a 4-byte magic number ${expectedMagic} (${what})`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  if (raw[0] !== 0 || raw[1] !== 0) {
    fail(`bad magic number: expected ${expectedMagic} (${what}, unsigned bytes), found ${hex32(magic)}: not an idx file`);
  }
  const dtype = raw[2];
  if (dtype !== IDX_UNSIGNED_BYTE) {
    const known = IDX_TYPE_NAMES[dtype];
    fail(
      `unsupported idx data type 0x${hex8(dtype)}${known ? ` (${known})` : ' (not an idx data type)'} in magic number ${hex32(magic)}: ` +
        `only unsigned byte (0x08) is supported, expected magic ${expectedMagic}`,
    );
  }
  const rank = raw[3];
  if (rank !== expectedRank) {
    const found = rank === 1 ? ' (a labels file)' : rank === 3 ? ' (an images file)' : '';
    fail(`wrong number of dimensions: expected ${expectedRank} (magic ${expectedMagic}, ${what}), found ${rank}${found} (magic ${hex32(magic)})`);
  }
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes) {
    fail(`truncated header: ${raw.length} bytes, expected at least ${headerBytes} (magic number and ${rank} big-endian uint32 dimensions)`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expectedPayload = dims.reduce((a, b) => a * b, 1);
  const payload = raw.length - headerBytes;
  const shape = `${dims.join(' x ')} unsigned bytes after the ${headerBytes}-byte header`;
  if (payload < expectedPayload) {
    fail(`truncated payload: expected ${expectedPayload} bytes (${shape}), found ${payload}`);
  }
  if (payload > expectedPayload) {
    fail(`${payload - expectedPayload} trailing bytes: expected ${expectedPayload} payload bytes (${shape}), found ${payload}`);
  }
  return { dims, data: raw.subarray(headerBytes) };
}

/** Reads an idx file (gzipped or not) from disk, returning the array and the file's manifest record. */
export async function readIdxFile(path: string, expectedRank: number): Promise<{ array: IdxArray; file: DatasetFile }> {
  const { bytes, record } = await readDataFile(path);
  const raw = await gunzipIfCompressed(bytes, path);
  return { array: parseIdx(raw, path, expectedRank), file: record };
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function hex8(n: number): string {
  return n.toString(16).padStart(2, '0');
}
