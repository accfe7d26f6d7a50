/* global process, URL */
// Runs the broker suite's real-Vault mode (plain HTTP provisioning, accessor listing, no test-server hooks) with
// the @agent-lease/testing server standing in at VAULT_ADDR. It proves that mode's own code works where no Vault
// can be installed; it is not a substitute for running it against Vault or OpenBao.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startVaultServer } from '@agent-lease/testing';

const server = await startVaultServer();
try {
  // Not spawnSync: the server answers from this process's event loop.
  const child = spawn(
    'npx',
    ['vitest', 'run', 'packages/vault/src/vault-broker.test.ts', '-t', 'against real'],
    {
      cwd: new URL('../../..', import.meta.url),
      stdio: 'inherit',
      env: {
        ...process.env,
        VAULT_ADDR: server.url,
        VAULT_TOKEN: server.rootToken,
        VAULT_DATABASE_MOUNT: 'database',
        VAULT_DATABASE_NAME: 'pg',
      },
    },
  );
  const [code] = await once(child, 'exit');
  process.exitCode = code ?? 1;
} finally {
  await server.close();
}
