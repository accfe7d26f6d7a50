/**
 * The @agent-lease/testing Vault server in its own process for the Vault-path benchmark, so the server's work does
 * not run on the client's event loop (a real Vault is another process too). Provisions the broker fixture and
 * answers IPC questions about its request log. Started by vault-path.bench.ts with `fork`.
 */
import { provision, startTarget } from '../src/test-fixture.js';

type Question =
  | { type: 'log-size' }
  | { type: 'log-since'; from: number }
  | { type: 'stats' }
  | { type: 'close' };

const send = (message: unknown): void => {
  process.send?.(message);
};

const target = await startTarget('test-server');
const server = target.server!;
const provisioned = await provision(target);
send({ type: 'ready', url: target.url, provisioned });

process.on('message', (q: Question) => {
  switch (q.type) {
    case 'log-size':
      send({ type: 'log-size', size: server.requestLog.length });
      break;
    case 'log-since':
      send({
        type: 'log-since',
        entries: server.requestLog
          .slice(q.from)
          .map((e) => ({ method: e.method, path: e.path, status: e.status })),
      });
      break;
    case 'stats':
      send({ type: 'stats', stats: server.stats() });
      break;
    case 'close':
      void target.close().then(() => process.exit(0));
      break;
  }
});
