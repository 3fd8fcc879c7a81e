/** `portico validate <dir-or-portico.yaml>`: load everything, print problems, exit non-zero on any. */
import { loadProject } from '../config/load-project.ts';
import { printConfigProblem } from './format-errors.ts';

export function validateCommand(target: string): number {
  try {
    const project = loadProject(target);
    for (const w of project.warnings) process.stderr.write(`warning: ${w}\n`);
    // A REST API's methods count as its routes.
    const routes = project.apis.reduce((n, a) => n + ('routes' in a ? a.routes.length : a.resources.reduce((m, r) => m + Object.keys(r.resourceMethods).length, 0)), 0);
    process.stdout.write(`ok: ${project.file}: ${project.apis.length} API(s), ${routes} route(s), ${Object.keys(project.functions).length} function(s)\n`);
    return 0;
  } catch (err) {
    if (printConfigProblem(err)) return 1;
    throw err;
  }
}
