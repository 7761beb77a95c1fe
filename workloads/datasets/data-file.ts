import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { DatasetFile } from './dataset.ts';
import { DatasetError } from './dataset-error.ts';

/** A data file's bytes as read from disk, with its manifest record. */
export interface DataFileContents {
  readonly bytes: Uint8Array;
  readonly record: DatasetFile;
}

/** Reads a whole data file and hashes it; a missing or unreadable file is a DatasetError naming it. */
export async function readDataFile(path: string): Promise<DataFileContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DatasetError({ file: path, problem: describeReadFailure(err) });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, record: { path, sha256, bytes: bytes.length } };
}

/** True when `path` exists and is a regular file (or a link to one). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The first of `paths` that is a file, or undefined. */
export async function firstExistingFile(paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await isFile(p)) return p;
  return undefined;
}

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'expected a file, found a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: cannot read the file';
    default:
      return `cannot read the file: ${err instanceof Error ? err.message : String(err)}`;
  }
}
