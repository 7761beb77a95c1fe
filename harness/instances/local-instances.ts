/**
 * The local backends, emulated and real: one instance-server process per instance on this
 * machine. Inferences go over parm-bench's framed protocol (one persistent connection per
 * instance, on a Unix socket in Linux's abstract namespace, or on a TCP port of 127.0.0.1
 * elsewhere), or, with transport "oip", over the Open Inference Protocol like any remote server;
 * control (slowdown, stats) always uses OIP. The cluster can slow instances down (contention)
 * and signal their processes (faults: SIGKILL, SIGSTOP, SIGCONT), and restart a crashed instance
 * (the systems see it come back through Instance.whenUp).
 *
 * No instance outlives the process that started it: stop() ends them all (SIGTERM, SIGKILL after a
 * grace period), exit and signal handlers kill them if stop() is never reached, and each instance
 * exits by itself when its stdin (a pipe from this process) closes.
 */
import { randomBytes } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { InstanceRole } from '../../systems/instance.ts';
import { SeededRandom } from '../seeded-random.ts';
import { REPO_ROOT } from '../software-versions.ts';
import { parseFramedAddress } from '../instance-server/framed-protocol.ts';
import type { InstanceMode, InstanceOutputs } from '../instance-server/instance-server.ts';
import { MODEL_NAME_PATTERN } from '../instance-server/served-model.ts';
import type { InstanceServerStats } from '../instance-server/server-stats.ts';
import type { ServiceTimeProfile } from '../instance-server/service-time.ts';
import { killChildrenOnExit } from './child-process-cleanup.ts';
import { FramedClient } from './framed-client.ts';
import { instanceSetOf, INSTANCE_ROLES, type InstanceCluster } from './instance-cluster.ts';
import { OipClient } from './oip-client.ts';
import { ClientInstance } from './client-instance.ts';

/** The instance server's entry file and the TypeScript loader it runs under. */
const SERVER_ENTRY = fileURLToPath(new URL('../instance-server/main.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

const STDERR_TAIL_BYTES = 4096;

/** How the frontend sends inferences to its local instances. */
export type LocalTransport = 'framed' | 'oip';
/** What carries the framed protocol: a Unix socket (abstract namespace, Linux only) or a TCP port of 127.0.0.1. */
export type FramedSocketKind = 'unix' | 'tcp';

export interface LocalInstanceGroup {
  readonly role: InstanceRole;
  readonly modelPath: string;
  readonly count: number;
  /** Emulated mode: the service-time profile of these instances (default: the server's). */
  readonly serviceTime?: ServiceTimeProfile;
  /** Emulated mode: "model" (default) computes real outputs; "none" answers zeros of the output shape (see instance-server.ts). */
  readonly outputs?: InstanceOutputs;
}

export interface LocalInstancesOptions {
  readonly mode: InstanceMode;
  readonly groups: readonly LocalInstanceGroup[];
  /** Seeds every instance's service-time draws (each instance gets its own stream). */
  readonly seed: number;
  /** Time for each instance to load its model and listen; default 60 s, or 5 s per instance when more (they start together on shared cores). */
  readonly startTimeoutMs?: number;
  /** Time stop() gives instances to exit after SIGTERM before SIGKILL; default 3 s. */
  readonly stopGraceMs?: number;
  /** Each instance's queue limit (the server's --max-queue). */
  readonly maxQueue?: number;
  /** Default "framed" (cheaper per request); "oip" sends inferences over HTTP like a remote backend. */
  readonly transport?: LocalTransport;
  /** Framed transport: default "unix" on Linux, "tcp" elsewhere. */
  readonly framedSocket?: FramedSocketKind;
}

export interface LocalInstanceCluster extends InstanceCluster {
  readonly mode: InstanceMode;
  readonly transport: LocalTransport;
  /** Instance ids in start order, e.g. ["deployed-0", "deployed-1", "parity-0"]. */
  readonly ids: readonly string[];
  /** Multiplies the instance's service times from now on (factor >= 1; 1 = none). */
  setSlowdown(id: string, factor: number): Promise<void>;
  /** Sends a signal to the instance's process (failure injection: SIGKILL, SIGSTOP, SIGCONT, ...). */
  kill(id: string, signal: NodeJS.Signals): void;
  /** The process id of every instance. */
  pids(): Readonly<Record<string, number>>;
  /** The instance server's base URL. */
  url(id: string): string;
  /** The instance server's counters and histograms. */
  stats(id: string): Promise<InstanceServerStats>;
  /** Whether the instance's process has exited. */
  hasExited(id: string): boolean;
  /** The last few KB the instance wrote to stderr. */
  stderrTail(id: string): string;
  /**
   * Starts the instance again (after a crash; a live one is killed first): a new process with the
   * same id, role, model, service-time profile and seed, on the same socket name. Resolves when it
   * serves; the systems holding the instance then see it come back (Instance.whenUp).
   */
  restart(id: string): Promise<void>;
}

interface ReadyLine {
  readonly event: 'ready';
  readonly pid: number;
  readonly url: string;
  readonly model: string;
  readonly framed?: unknown;
}

/** One instance-server process. */
class InstanceProcess {
  readonly subprocess: ResultPromise;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<void>;
  exitDescription: string | null = null;
  private tail = '';

  constructor(
    readonly id: string,
    readonly role: InstanceRole,
    args: readonly string[],
  ) {
    this.subprocess = execa(process.execPath, ['--import', TSX_LOADER, SERVER_ENTRY, ...args], {
      cwd: REPO_ROOT,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
      forceKillAfterDelay: false,
      // Not a test process, even when started from a test.
      env: { NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined },
    });
    if (this.subprocess.pid === undefined) throw new Error(`${id}: could not start ${process.execPath}`);
    this.pid = this.subprocess.pid;
    this.subprocess.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.exited = this.subprocess.then(
      (result) => {
        this.exitDescription = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? '?'}`;
      },
      (err: unknown) => {
        this.exitDescription = `failed: ${(err as Error).message}`;
      },
    );
  }

  get alive(): boolean {
    return this.exitDescription === null;
  }

  get stderrTail(): string {
    return this.tail.trim();
  }

  /** Resolves with the ready line; rejects if the process exits first or the time runs out. */
  waitReady(timeoutMs: number): Promise<ReadyLine> {
    return new Promise((resolvePromise, reject) => {
      const stdout = this.subprocess.stdout;
      if (!stdout) {
        reject(new Error(`${this.id}: the instance server has no stdout`));
        return;
      }
      const lines = createInterface({ input: stdout });
      let done = false;
      const settle = (err: Error | null, ready?: ReadyLine): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolvePromise(ready as ReadyLine);
      };
      const timer = setTimeout(() => {
        settle(new Error(`${this.id}: the instance server was not ready within ${timeoutMs} ms${this.stderrSuffix()}`));
      }, timeoutMs);
      // Reads every line (the pipe must never fill up); the first ready line settles.
      lines.on('line', (line) => {
        if (done) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          return;
        }
        const v = value as Partial<ReadyLine> | null;
        if (v !== null && typeof v === 'object' && v.event === 'ready' && typeof v.url === 'string' && typeof v.model === 'string') {
          settle(null, v as ReadyLine);
        }
      });
      void this.exited.then(() => {
        // Give the stderr pipe a moment to deliver its last bytes.
        setTimeout(() => settle(new Error(`${this.id}: the instance server ${this.exitDescription} before it was ready${this.stderrSuffix()}`)), 50);
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail;
    return tail ? `. Its stderr ends with:\n${tail}` : ' (it wrote nothing to stderr)';
  }
}

/** Starts one instance-server process per instance and waits until all are ready. */
export async function startLocalInstances(options: LocalInstancesOptions): Promise<LocalInstanceCluster> {
  const plan = await planInstances(options);
  const processes: InstanceProcess[] = [];
  /** Processes being started by restart(), not yet in `processes` (stop() and exit handlers kill them too). */
  const restarting = new Set<InstanceProcess>();
  const unregister = killChildrenOnExit(() => [...processes, ...restarting].filter((p) => p.alive).map((p) => p.pid));
  const transport = options.transport ?? 'framed';
  /** OIP clients: inferences with transport "oip", control (slowdown, stats) always. */
  let clients: OipClient[] = [];
  let framedClients: FramedClient[] = [];
  const closeClients = (): void => {
    for (const c of framedClients) c.close();
    for (const c of clients) c.close();
  };

  const killNow = async (): Promise<void> => {
    for (const p of processes) p.signal('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    closeClients();
    unregister();
  };

  try {
    for (const entry of plan) processes.push(new InstanceProcess(entry.id, entry.role, entry.args));
    // All instances start at once and share the cores: allow more time for more of them.
    const timeout = options.startTimeoutMs ?? Math.max(60_000, 5_000 * plan.length);
    const ready = await Promise.all(processes.map((p) => p.waitReady(timeout)));
    const framedConnections =
      transport === 'framed'
        ? Promise.allSettled(
            ready.map(async (line, i) => {
              const address = parseFramedAddress(line.framed);
              if (address === null) throw new Error(`${processes[i].id}: the instance server announced no framed endpoint in its ready line; use transport "oip"`);
              return FramedClient.connect(address, { label: processes[i].id });
            }),
          )
        : Promise.resolve([]);
    const oipConnections = Promise.allSettled(
      ready.map((line, i) => OipClient.connect(line.url, line.model, { label: `${processes[i].id} (${line.url})` })),
    );
    const [framedResults, oipResults] = await Promise.all([framedConnections, oipConnections]);
    framedClients = framedResults.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    clients = oipResults.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = [...framedResults, ...oipResults].find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (err) {
    await killNow();
    throw err;
  }

  const instances: (ClientInstance<FramedClient> | ClientInstance<OipClient>)[] = processes.map((p, i) =>
    transport === 'framed' ? new ClientInstance(p.id, p.role, framedClients[i]) : new ClientInstance(p.id, p.role, clients[i]),
  );
  const byId = new Map(processes.map((p, i) => [p.id, { index: i, plan: plan[i], process: p, control: clients[i], instance: instances[i] }]));
  const find = (id: string) => {
    const entry = byId.get(id);
    if (entry === undefined) throw new Error(`no local instance "${id}"; the instances are ${[...byId.keys()].join(', ')}`);
    return entry;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      closeClients();
      for (const p of restarting) p.signal('SIGKILL');
      await Promise.all([...restarting].map((p) => p.exited));
      for (const p of processes) {
        p.subprocess.stdin?.end();
        p.signal('SIGTERM');
        p.signal('SIGCONT'); // a stopped process handles SIGTERM only once continued
      }
      const allExited = Promise.all(processes.map((p) => p.exited));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => {
        timer = setTimeout(r, options.stopGraceMs ?? 3000);
      });
      await Promise.race([allExited, grace]);
      clearTimeout(timer);
      for (const p of processes) p.signal('SIGKILL');
      await allExited;
      unregister();
    })();
    return stopping;
  };

  return {
    mode: options.mode,
    transport,
    instances: instanceSetOf(instances),
    ids: processes.map((p) => p.id),
    stop,
    setSlowdown: async (id, factor) => {
      const { control } = find(id);
      if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`${id}: a slowdown factor must be a number >= 1 (1 = none), got ${factor}`);
      const reply = await control.postJson('/parm-bench/v1/slowdown', { factor });
      if (reply.status !== 200) throw new Error(`${id}: setting the slowdown failed with HTTP ${reply.status}: ${JSON.stringify(reply.body)}`);
    },
    kill: (id, signal) => find(id).process.signal(signal),
    pids: () => Object.fromEntries(processes.map((p) => [p.id, p.pid])),
    url: (id) => find(id).control.url,
    stats: async (id) => {
      const reply = await find(id).control.getJson('/parm-bench/v1/stats');
      if (reply.status !== 200) throw new Error(`${id}: reading stats failed with HTTP ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body as InstanceServerStats;
    },
    hasExited: (id) => !find(id).process.alive,
    stderrTail: (id) => find(id).process.stderrTail,
    restart: async (id) => {
      const entry = find(id);
      if (stopping) throw new Error(`${id}: the cluster is stopping; no restart`);
      if (restarting.size > 0 && [...restarting].some((p) => p.id === id)) throw new Error(`${id}: a restart is already under way`);
      if (entry.process.alive) {
        entry.process.signal('SIGKILL');
        await entry.process.exited;
      }
      const next = new InstanceProcess(id, entry.plan.role, entry.plan.args);
      restarting.add(next);
      let framed: FramedClient | undefined;
      let control: OipClient | undefined;
      try {
        const line = await next.waitReady(options.startTimeoutMs ?? 60_000);
        if (transport === 'framed') {
          const address = parseFramedAddress(line.framed);
          if (address === null) throw new Error(`${id}: the restarted instance server announced no framed endpoint`);
          framed = await FramedClient.connect(address, { label: id });
        }
        control = await OipClient.connect(line.url, line.model, { label: `${id} (${line.url})` });
        if (stopping) throw new Error(`${id}: the cluster was stopped during the restart`);
      } catch (err) {
        framed?.close();
        control?.close();
        next.signal('SIGKILL');
        await next.exited;
        restarting.delete(next);
        throw err;
      }
      restarting.delete(next);
      // The old process's clients are dead; keep the new ones where stop() closes clients.
      entry.control.close();
      clients[entry.index] = control;
      if (framed) {
        framedClients[entry.index].close();
        framedClients[entry.index] = framed;
      }
      processes[entry.index] = next;
      entry.process = next;
      entry.control = control;
      const instance = entry.instance;
      if (instance.client instanceof FramedClient) (instance as ClientInstance<FramedClient>).replaceClient(framed!);
      else (instance as ClientInstance<OipClient>).replaceClient(control);
    },
  };
}

interface PlannedInstance {
  readonly id: string;
  readonly role: InstanceRole;
  readonly args: readonly string[];
}

/** Checks the options and gives each instance its id and command line. */
async function planInstances(options: LocalInstancesOptions): Promise<PlannedInstance[]> {
  if (options.mode !== 'emulated' && options.mode !== 'real') {
    throw new Error(`local instances: mode must be "emulated" or "real", got ${JSON.stringify(options.mode)}`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new Error(`local instances: seed must be an integer from 0 to 4294967295, got ${options.seed}`);
  }
  if (options.groups.length === 0) throw new Error('local instances: give at least one group {role, modelPath, count}');
  if (options.transport !== undefined && options.transport !== 'framed' && options.transport !== 'oip') {
    throw new Error(`local instances: transport must be "framed" or "oip", got ${JSON.stringify(options.transport)}`);
  }
  const framedSocket = options.framedSocket ?? (process.platform === 'linux' ? 'unix' : 'tcp');
  if (framedSocket !== 'unix' && framedSocket !== 'tcp') {
    throw new Error(`local instances: framedSocket must be "unix" or "tcp", got ${JSON.stringify(options.framedSocket)}`);
  }
  if (framedSocket === 'unix' && process.platform !== 'linux') {
    throw new Error('local instances: framedSocket "unix" uses Linux\'s abstract socket namespace; use "tcp" on this system');
  }
  /** Abstract socket names of this cluster: unique per process and per start. */
  const socketPrefix = `@parm-bench-${process.pid}-${randomBytes(6).toString('hex')}`;
  const random = new SeededRandom(options.seed);
  const counts = new Map<InstanceRole, number>();
  const plan: PlannedInstance[] = [];
  for (const [g, group] of options.groups.entries()) {
    const where = `local instances: group ${g} (${group.role})`;
    if (!INSTANCE_ROLES.includes(group.role)) throw new Error(`local instances: group ${g}: role must be one of ${INSTANCE_ROLES.join(', ')}, got ${JSON.stringify(group.role)}`);
    if (!Number.isInteger(group.count) || group.count < 0) throw new Error(`${where}: count must be a non-negative integer, got ${group.count}`);
    if (group.serviceTime !== undefined && options.mode === 'real') throw new Error(`${where}: a service-time profile applies to mode "emulated" only`);
    if (group.outputs !== undefined && group.outputs !== 'model' && group.outputs !== 'none') throw new Error(`${where}: outputs must be "model" or "none", got ${JSON.stringify(group.outputs)}`);
    if (group.outputs === 'none' && options.mode === 'real') throw new Error(`${where}: outputs "none" applies to mode "emulated" only`);
    const modelPath = resolve(group.modelPath);
    try {
      await access(modelPath, constants.R_OK);
    } catch {
      throw new Error(`${where}: the model file ${modelPath} does not exist or cannot be read. Check modelPath, or build/train the model first.`);
    }
    const fileName = basename(modelPath).replace(/\.onnx$/i, '');
    const modelName = MODEL_NAME_PATTERN.test(fileName) ? fileName : group.role;
    for (let i = 0; i < group.count; i++) {
      const n = counts.get(group.role) ?? 0;
      counts.set(group.role, n + 1);
      const args = ['--model', modelPath, '--name', modelName, '--mode', options.mode, '--seed', String(random.nextUint32()), '--exit-with-stdin'];
      if (group.serviceTime !== undefined) args.push('--service-time', JSON.stringify(group.serviceTime));
      if (group.outputs !== undefined && group.outputs !== 'model') args.push('--outputs', group.outputs);
      if (options.maxQueue !== undefined) args.push('--max-queue', String(options.maxQueue));
      const id = `${group.role}-${n}`;
      if (options.transport !== 'oip' && framedSocket === 'unix') args.push('--framed-socket', `${socketPrefix}-${id}`);
      plan.push({ id, role: group.role, args });
    }
  }
  if (plan.length === 0) throw new Error('local instances: every group has count 0; nothing to start');
  return plan;
}
