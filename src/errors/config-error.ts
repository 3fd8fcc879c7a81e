/**
 * A definition problem found at load: which file, where in it (a JSON path such as
 * `$.paths['/pets'].get['x-amazon-apigateway-integration'].uri`) and what is wrong.
 */
export class ConfigError extends Error {
  readonly code = 'PORTICO_ERR_CONFIG_INVALID';
  readonly file: string;
  readonly jsonPath: string;
  readonly reason: string;

  constructor(file: string, jsonPath: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${jsonPath}: ${reason}`, options);
    this.name = 'ConfigError';
    this.file = file;
    this.jsonPath = jsonPath;
    this.reason = reason;
  }
}

/** Several ConfigErrors found in one load, reported together. */
export class ConfigErrors extends Error {
  readonly code = 'PORTICO_ERR_CONFIG_INVALID';
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}
