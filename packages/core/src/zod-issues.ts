import type { z } from 'zod';

/** Turns zod issues into `path.to.field: expected ...` lines, the format every config error uses. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .filter((p) => p !== '')
      .join('.')
      .replace(/\.\[/g, '[');
    const where = path === '' ? '(root)' : path;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    return `${where}: ${issue.message}`;
  });
}
