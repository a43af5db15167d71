import { appendFile } from 'node:fs/promises';

/** One `name<<DELIMITER` block of a GitHub file command (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV). */
export function fileCommandEntry(
  name: string,
  value: string,
  // Unpredictable enough that no value holds it by chance (and a value that does is refused).
  delimiter = `ghadelimiter_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`output ${name} contains its own delimiter`);
  }
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

export async function appendOutputs(file: string, outputs: Record<string, string>): Promise<void> {
  const text = Object.entries(outputs)
    .map(([name, value]) => fileCommandEntry(name, value))
    .join('');
  if (text) await appendFile(file, text, 'utf8');
}
