/** The functions of semver (a CommonJS package without types) the tests call. */
declare module 'semver' {
  export function subset(sub: string, dom: string): boolean;
  export function validRange(range: string): string | null;
  export function minVersion(range: string): { major: number; minor: number } | null;
}
