import { UsageError } from '../errors.js';

/**
 * A user file's bytes as text, refusing what would silently turn into U+FFFD: invalid UTF-8 is
 * a UsageError naming the file, the byte offset and the line. A UTF-8 byte order mark is
 * dropped; a UTF-16 file with its byte order mark (what Windows tools write) is decoded as
 * such, and without a valid UTF-16 body it is refused the same way.
 */
export function decodeText(bytes: Uint8Array, file: string, what = 'the file'): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return decodeUtf8(bytes.subarray(3), file, what, 3);
  }
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? 'utf-16le'
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? 'utf-16be'
        : undefined;
  if (utf16) {
    try {
      return new TextDecoder(utf16, { fatal: true }).decode(bytes.subarray(2));
    } catch (error) {
      throw new UsageError(`${what} starts with a UTF-16 byte order mark but is not valid UTF-16`, {
        place: { file },
        hint: 'save it as UTF-8',
        cause: error,
      });
    }
  }
  return decodeUtf8(bytes, file, what, 0);
}

function decodeUtf8(bytes: Uint8Array, file: string, what: string, base: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const shown = Array.from(bytes.subarray(offset, offset + 4), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(' ');
    throw new UsageError(
      `${what} is not valid UTF-8: bad byte sequence at byte offset ${offset + base} (${shown})`,
      {
        place: { file, line },
        hint: 'save the file as UTF-8; a tool that wrote Latin-1 or cut a multi-byte character wrote these bytes',
        cause: error,
      },
    );
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (bytes.length if none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
