import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssueTracker {
  /** `127.0.0.1:<port>`, what the grant's `hosts` names. */
  host: string;
  url: string;
  /** Requests that came with the right bearer token. */
  authorized: number;
  close(): Promise<void>;
}

/**
 * A tiny loopback issue tracker standing in for a real API. It accepts one bearer token, and (like many real
 * APIs in debug mode) echoes the Authorization header back in its response: the leak the guard has to catch.
 */
export async function startIssueTracker(token: string): Promise<IssueTracker> {
  const issues = [
    { number: 1, title: 'Login button does nothing on Safari', state: 'open' },
    { number: 2, title: 'Flaky test: checkout total rounding', state: 'open' },
  ];
  const state = { authorized: 0 };
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    res.setHeader('content-type', 'application/json');
    if (auth !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'bad credentials' }));
      return;
    }
    state.authorized++;
    if (req.method === 'GET' && /^\/repos\/[\w.-]+\/[\w.-]+\/issues$/.test(req.url ?? '')) {
      res.end(JSON.stringify({ issues, debug: { request_auth: auth } }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get authorized() {
      return state.authorized;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
