/**
 * Makes sure child processes do not outlive this process: when it exits (normally or on an
 * uncaught error) or receives SIGINT, SIGTERM or SIGHUP, every registered child is killed
 * (SIGKILL: synchronous and certain). After a signal, if nobody else listens for it, the signal
 * is raised again so the process ends the way it would have without these handlers.
 *
 * Owners register a function returning the pids of their live children and unregister once they
 * have stopped them; the handlers are installed only while something is registered.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Registration {
  readonly livePids: () => Iterable<number>;
}

const registrations = new Set<Registration>();
let installed = false;

/** Registers children to kill on exit; returns the function that unregisters them. */
export function killChildrenOnExit(livePids: () => Iterable<number>): () => void {
  const registration: Registration = { livePids };
  registrations.add(registration);
  install();
  return () => {
    registrations.delete(registration);
    if (registrations.size === 0) uninstall();
  };
}

function killAll(): void {
  for (const registration of registrations) {
    for (const pid of registration.livePids()) {
      try {
        process.kill(pid, 'SIGKILL'); // also ends a stopped (SIGSTOP) process
      } catch {
        // already gone
      }
    }
  }
}

function onExit(): void {
  killAll();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  registrations.clear();
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
