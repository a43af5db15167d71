import type { Place } from '../../core/errors.js';

/**
 * GitHub Actions workflow commands (`::error file=…::message`), written to stdout.
 * Data and properties are escaped as the runner expects so user text cannot inject a command.
 */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(
  command: string,
  message: string,
  properties: Record<string, string | number | undefined> = {},
): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${command}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export function annotation(
  level: 'error' | 'warning' | 'notice',
  message: string,
  place?: Place,
): string {
  return workflowCommand(level, message, {
    file: place?.file,
    line: place?.line,
    col: place?.column,
    title: place?.key,
  });
}
