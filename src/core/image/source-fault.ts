import { InfraError, UsageError, type ErrorDetails } from '../errors.js';
import type { ImageSource } from '../registry/model.js';

/**
 * The error for a document an image source handed over that is not what it must be (not JSON,
 * not an object, not a manifest): the fault of whoever made the bytes. Files on this machine (an
 * OCI layout, an archive) are the user's input, exit 2; a registry or the Docker engine answered
 * with them, exit 3, naming the server.
 */
export function badDocument(
  source: Pick<ImageSource, 'name' | 'origin'>,
  message: string,
  details: ErrorDetails = {},
): UsageError | InfraError {
  return source.origin === 'local'
    ? new UsageError(message, {
        hint: 'The image files are not an image sluice can read; check how they were written.',
        ...details,
      })
    : new InfraError(message, {
        hint: `${source.name} answered with it: the server (or the engine) is at fault, not the inputs; retry, or report it to whoever runs it.`,
        ...details,
      });
}

/** A document parsed as JSON that must be an object (`null`, arrays and scalars are not). */
export function parseJsonObject(
  bytes: Buffer,
  source: Pick<ImageSource, 'name' | 'origin'>,
  what: string,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw badDocument(source, `${what} is not JSON`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badDocument(source, `${what} is not a JSON object`);
  return parsed as Record<string, unknown>;
}
