/**
 * Starts harness/instance-server/main.ts as a child process for a test and waits for its ready
 * line; stop() ends it (SIGTERM, then SIGKILL) and resolves when it is gone.
 */
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../harness/instance-server/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly ready: Record<string, unknown>;
  readonly subprocess: ResultPromise;
  /** Whether the process is still running. */
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startServerProcess(args: readonly string[], timeoutMs = 30_000): Promise<ServerProcess> {
  const subprocess = execa(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    buffer: false,
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 2000,
    env: { NODE_TEST_CONTEXT: undefined },
  });
  let stderr = '';
  subprocess.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let exited = false;
  const done = subprocess.then(() => {
    exited = true;
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance server not ready in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    createInterface({ input: subprocess.stdout! }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (v.event === 'ready') {
          clearTimeout(timer);
          resolve(v);
        }
      } catch {
        // not the ready line
      }
    });
    void done.then(() => {
      clearTimeout(timer);
      reject(new Error(`instance server exited before ready: ${stderr}`));
    });
  }).catch(async (err: unknown) => {
    subprocess.kill('SIGKILL');
    await done;
    throw err;
  });
  return {
    url: ready.url as string,
    pid: subprocess.pid!,
    ready,
    subprocess,
    alive: () => !exited,
    stderr: () => stderr,
    stop: async () => {
      if (!exited) subprocess.kill('SIGTERM');
      await done;
    },
  };
}

/** A raw HTTP/1.1 exchange: writes `request` bytes and returns whatever comes back until the server closes or `waitMs` passes. */
export async function rawExchange(url: string, request: string | Buffer, waitMs = 2000): Promise<string> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (data) resolve(data);
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('connect', () => socket.write(request));
  });
}
