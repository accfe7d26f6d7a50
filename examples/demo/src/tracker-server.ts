import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerificationError, type TokenVerifier } from '@agent-lease/core';

export interface TrackerIssue {
  id: number;
  repo: string;
  title: string;
}

export interface Tracker {
  url: string;
  host: string;
  issues: TrackerIssue[];
  /** Requests the tracker refused, with the verifier's reason (never the token). */
  rejected: { path: string; reason: string }[];
  close(): Promise<void>;
}

/**
 * A small issue tracker on a loopback port. It accepts only lease tokens minted by the demo's localBroker and
 * checks their scopes and expiry with the broker's verifier, as a real upstream would check an OAuth token (or,
 * with `--broker vault`, the API key an operator stored in Vault).
 * `GET /debug/whoami` echoes the Authorization header back: the misbehaving upstream of step 3.
 */
export async function startTracker(
  accept: { verifier: TokenVerifier } | { staticKey: string },
): Promise<Tracker> {
  const issues: TrackerIssue[] = [{ id: 1, repo: 'acme/widgets', title: 'Build fails on Node 20' }];
  const rejected: Tracker['rejected'] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://tracker');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';

    if (url.pathname === '/debug/whoami') {
      send(200, { authorization: auth, note: 'debug endpoint echoes your credentials' });
      return;
    }
    const match = /^\/repos\/([\w.-]+\/[\w.-]+)\/issues$/.exec(url.pathname);
    if (!match?.[1]) {
      send(404, { error: 'not found' });
      return;
    }
    const repo = match[1];
    const scope = req.method === 'POST' ? `issues:write:${repo}` : `issues:read:${repo}`;
    try {
      // A minted lease token carries its scopes; a static API key (the Vault mode) is all-or-nothing upstream.
      if ('verifier' in accept)
        await accept.verifier.verify(token, { requiredScopes: [scope], audience: 'agent-lease:tracker' });
      else if (token !== accept.staticKey) throw new TokenVerificationError('invalid');
    } catch (error) {
      const reason = error instanceof TokenVerificationError ? error.reason : 'invalid';
      rejected.push({ path: url.pathname, reason });
      send(reason === 'insufficient_scope' ? 403 : 401, { error: reason });
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { title } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { title?: string };
      const issue = { id: issues.length + 1, repo, title: title ?? '(untitled)' };
      issues.push(issue);
      send(201, issue);
      return;
    }
    send(
      200,
      issues.filter((i) => i.repo === repo),
    );
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    issues,
    rejected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A host the agent was never granted. It records whatever reaches it, to prove nothing did. */
export async function startExfilServer(): Promise<{
  url: string;
  received: string[];
  close(): Promise<void>;
}> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)}`);
    res.end('thanks');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
