import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard } from '@agent-lease/core';
import { startVaultServer, type VaultServer } from '@agent-lease/testing';
import { vaultBroker, type VaultBrokerEvent } from '@agent-lease/vault';

/**
 * agent-lease with Vault, offline: the @agent-lease/testing Vault server stands in for Vault, and a loopback
 * "issues API" stands in for GitHub. What an operator would do with the vault CLI is done over HTTP in `setUpVault`.
 */
export interface ExampleResult {
  issueCreated: string;
  redactedEcho: string;
  roundTrips: number[];
  liveTokensAfterClose: number;
  liveLeasesAfterClose: number;
  lines: string[];
}

async function setUpVault(vault: VaultServer): Promise<{ brokerToken: string; githubToken: string }> {
  const put = async (path: string, body: unknown): Promise<unknown> => {
    const res = await vault.request('POST', path, { body });
    if (res.status >= 300) throw new Error(`setup: ${path} answered ${res.status}`);
    return res.body;
  };
  // One policy per tool credential; the broker may only mint tokens (through the role, and its parent token).
  await put('sys/policies/acl/tool-github', {
    policy: 'path "secret/data/agents/github" { capabilities = ["read"] }',
  });
  await put('sys/policies/acl/tool-db', {
    policy: 'path "database/creds/readonly" { capabilities = ["read"] }',
  });
  await put('sys/policies/acl/agent-lease-broker', {
    // The role mints the per-call tokens; plain create makes the broker's parent token, revoked at close.
    policy:
      'path "auth/token/create/agent-lease" { capabilities = ["update"] }\n' +
      'path "auth/token/create" { capabilities = ["update"] }',
  });
  await put('auth/token/roles/agent-lease', {
    allowed_policies: ['tool-github', 'tool-db'],
    disallowed_policies: ['root'],
    renewable: false,
    token_explicit_max_ttl: '10m',
  });
  const githubToken = `ghp_${crypto.randomUUID().replaceAll('-', '')}`;
  await put('secret/data/agents/github', { data: { token: githubToken } });
  await put('database/roles/readonly', { db_name: 'postgres', default_ttl: '5m', max_ttl: '1h' });
  const created = (await put('auth/token/create', { policies: ['agent-lease-broker'], ttl: '1h' })) as {
    auth: { client_token: string };
  };
  return { brokerToken: created.auth.client_token, githubToken };
}

/** A stand-in for api.github.com that only accepts the token stored in Vault. */
async function startIssuesApi(expectedToken: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${expectedToken}`;
    res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { number: 42, title: 'Printer on fire' } : { message: 'Bad credentials' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

export async function runExample(log: (line: string) => void = console.log): Promise<ExampleResult> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    log(line);
  };
  const vault = await startVaultServer();
  const { brokerToken, githubToken } = await setUpVault(vault);
  const api = await startIssuesApi(githubToken);
  const roundTrips: number[] = [];
  try {
    const broker = vaultBroker({
      endpoint: vault.url,
      auth: { token: brokerToken },
      tokenRole: 'agent-lease',
      credentials: {
        github: {
          kv: { path: 'agents/github', field: 'token', policies: ['tool-github'] },
          inject: { type: 'bearer' },
        },
        db: { dynamic: { path: 'database/creds/readonly', policies: ['tool-db'] } },
      },
      onEvent: (event: VaultBrokerEvent) => {
        if (event.type === 'acquire') roundTrips.push(event.roundTrips);
      },
    });
    await broker.ready(); // creates the parent of the per-call tokens now, so calls take 2 round trips
    const apiHost = new URL(api.url).host;
    const guard = createGuard({
      agent: { id: 'support-bot' },
      broker,
      grants: {
        github: { scopes: ['issues:*'], maxTtl: '5m', hosts: [apiHost] },
        db: { scopes: ['read'], maxTtl: '5m' },
      },
      monitor: false,
    });

    const input = { repo: 'acme/app', title: 'Printer on fire' };
    const issue = await guard.withLease(
      {
        tool: 'create_issue',
        input,
        needs: { credential: 'github', scopes: [`issues:write:${input.repo}`], ttl: '60s' },
      },
      async (lease) => {
        const perCall = vault.liveTokens().filter((t) => t.meta?.lease_id !== undefined).length;
        say(`vault: per-call child tokens live now: ${perCall}`);
        const res = await lease.fetch(`${api.url}/repos/${input.repo}/issues`, {
          method: 'POST',
          body: JSON.stringify(input),
        });
        return (await res.json()) as { number: number; title: string };
      },
    );
    say(
      `create_issue -> #${issue.number} "${issue.title}" (the token came from Vault KV, injected by lease.fetch)`,
    );

    const redacted = await guard.withLease(
      { tool: 'query_orders', needs: { credential: 'db', scopes: ['read'], ttl: '30s' } },
      (lease) => {
        // A real tool would hand lease.reveal() to its Postgres driver. Whatever echoes it is redacted:
        const echoed = guard.redact(`connecting with password=${lease.reveal()}`);
        say(
          `query_orders -> Vault created ${vault.databaseUsers().length} database user for this call, live leases: ${vault.stats().leases}`,
        );
        say(`query_orders -> a log line that echoed the password: ${echoed}`);
        return echoed;
      },
    );

    await guard.close(); // waits for the background revocations
    const stats = vault.stats();
    say(
      `after guard.close(): live child tokens ${stats.tokens - 1}, live leases ${stats.leases}, database users ${stats.databaseUsers}`,
    );
    say(`round trips per call on the critical path: ${roundTrips.join(', ')}`);
    return {
      issueCreated: `#${issue.number}`,
      redactedEcho: redacted,
      roundTrips,
      liveTokensAfterClose: stats.tokens - 1,
      liveLeasesAfterClose: stats.leases,
      lines,
    };
  } finally {
    await api.close();
    await vault.close();
  }
}
