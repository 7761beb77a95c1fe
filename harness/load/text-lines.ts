import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK_BYTES = 64 * 1024;

/**
 * The lines of a UTF-8 text file, read synchronously in 64 KiB chunks, so that a file of any
 * length is walked in constant memory (one chunk and one line at a time). Line ends "\n" or
 * "\r\n"; a last line without an end is still given. The file is closed when the walk ends or
 * is abandoned with return().
 */
export function* textLines(path: string): Generator<string, undefined> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      carry += decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let nl = carry.indexOf('\n', start); nl >= 0; nl = carry.indexOf('\n', start)) {
        yield stripCr(carry.slice(start, nl));
        start = nl + 1;
      }
      carry = carry.slice(start);
    }
    carry += decoder.end();
    if (carry.length > 0) yield stripCr(carry);
  } finally {
    closeSync(fd);
  }
  return undefined;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
