/**
 * Substitutes `${stageVariables.name}` in integration URIs, as AWS does at request time.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables.html
 * Unknown variables become empty strings, as on AWS.
 */
export function substituteStageVariables(text: string, vars: Readonly<Record<string, string>>): string {
  if (!text.includes('${stageVariables.')) return text;
  return text.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_m, name: string) => vars[name] ?? '');
}

/** True when the text references a stage variable (so it can only be resolved per stage). */
export const hasStageVariables = (text: string): boolean => text.includes('${stageVariables.');
