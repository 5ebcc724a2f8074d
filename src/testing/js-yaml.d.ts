// Minimal typing of js-yaml (present as mocha's dependency; no @types package installed):
// only what the spec loader uses. Spec: https://github.com/nodeca/js-yaml#api
declare module "js-yaml" {
  export function load(text: string, opts?: { filename?: string; json?: boolean }): unknown;
  export class YAMLException extends Error {
    mark?: { line: number; column: number };
    reason?: string;
  }
}
