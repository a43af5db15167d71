/** The two functions of semver (a CommonJS package without types) the engines test calls. */
declare module 'semver' {
  export function subset(sub: string, dom: string): boolean;
  export function validRange(range: string): string | null;
}
