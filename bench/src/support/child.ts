import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Servers under test run in their own processes: the load generator must not share their event loop, and the
 * benchmark process's CPU time (what the harness measures) then counts only the client side.
 * Protocol: the child sends {type:'ready', ...} once, then answers {id, ...} to each {id, cmd, ...} it gets.
 */

export const SERVERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../servers');

export interface Child {
  proc: ChildProcess;
  ready: Record<string, unknown>;
  call<T = Record<string, unknown>>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startChild(script: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = fork(path.join(SERVERS_DIR, script), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${script} exited early (${code})`));
    proc.once('exit', onExit);
    proc.on('message', (m: Record<string, unknown>) => {
      if (m.type === 'ready') {
        proc.off('exit', onExit);
        resolve(m);
        return;
      }
      const cb = pending.get(m.id as number);
      if (cb) {
        pending.delete(m.id as number);
        cb(m);
      }
    });
  });
  return {
    proc,
    ready,
    call<T>(cmd: string, args: Record<string, unknown> = {}) {
      const id = next++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (v: Record<string, unknown>) => void);
        proc.send({ id, cmd, ...args });
      });
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const done = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Child side: register command handlers, then announce readiness. */
export function serveCommands(
  handlers: Record<string, (m: Record<string, unknown>) => unknown>,
  ready: Record<string, unknown>,
): void {
  process.on('message', async (m: Record<string, unknown>) => {
    const h = handlers[m.cmd as string];
    const out = h ? await h(m) : { error: `unknown command ${String(m.cmd)}` };
    process.send?.({ id: m.id, ...(out as object) });
  });
  process.send?.({ type: 'ready', ...ready });
}
