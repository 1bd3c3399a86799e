import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The WeChat jscode2session host in front of the real sandbox: `hold()` parks the next exchange until
 * `release()`, so a login is in flight at the BFF for as long as the test wants.
 */
export function heldUpstream(sandboxUrl: () => string) {
  let gate: { arrived: () => void; open: Promise<void> } | undefined;
  let release = () => {};
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const g = gate;
    gate = undefined;
    if (g) {
      g.arrived();
      await g.open;
    }
    const answer = await fetch(`${sandboxUrl()}${req.url}`);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(await answer.text());
  });
  return {
    server,
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    /** Parks the next exchange; resolves once it has arrived. */
    hold(): Promise<void> {
      let open = () => {};
      const opened = new Promise<void>((r) => (open = r));
      release = open;
      return new Promise<void>((arrived) => (gate = { arrived, open: opened }));
    },
    release: () => release(),
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Well below the keep-alive timeout (72 s) and close-with-grace's 10 s; far above a prompt close. */
export const CLOSE_BOUND_MS = 5_000;

/** Resolves with how long `p` took, or rejects once `ms` have passed (a close that hangs fails fast). */
export async function within(p: Promise<unknown>, ms: number): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still closing after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - started;
}
