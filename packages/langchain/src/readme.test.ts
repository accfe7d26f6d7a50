// Runs the README quick start exactly as written: the block is extracted and executed in a child process.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

it('runs the README quick start as pasted', async () => {
  const readme = await readFile(join(here, '../README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  // Under the repository's node_modules, so the packages resolve the way they do for a user's project.
  const dir = join(root, 'node_modules/.cache/agent-lease-langchain-readme');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'quickstart.mts');
  await writeFile(file, block!);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
  expect(stdout.trim()).toBe(
    'The tool said: issue #7 of acme/widgets, read with issues:read:acme/widgets and token [REDACTED:github]',
  );
  expect(stdout).not.toContain('demo-token');
}, 60_000);
