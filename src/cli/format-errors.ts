import { ConfigError, ConfigErrors } from '../errors/index.ts';

/** Prints load problems one per line: `file:line: $.json.path: reason`. Returns true if it was a config problem. */
export function printConfigProblem(err: unknown, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): boolean {
  if (err instanceof ConfigErrors) {
    for (const e of err.errors) write(`error: ${e.message}`);
    write(`${err.errors.length} error${err.errors.length === 1 ? '' : 's'}`);
    return true;
  }
  if (err instanceof ConfigError) {
    write(`error: ${err.message}`);
    return true;
  }
  return false;
}
