/** `1 warning`, `2 warnings`; irregular plurals are passed in. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
