import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const pkgPath = join(dirname(require.resolve(`${name}/package.json`)), 'package.json');
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Git revision of the repository and whether the work tree differs from it. */
export function gitRevision(): { sha: string; dirty: boolean } {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { sha, dirty: status.trim().length > 0 };
  } catch {
    return { sha: 'unknown', dirty: true };
  }
}

/** Versions that decide results: recorded in model cards and run manifests. */
export function softwareVersions(): Record<string, string> {
  const git = gitRevision();
  return {
    parmBench: (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    node: process.version,
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    gitSha: git.sha,
    gitDirty: String(git.dirty),
  };
}
