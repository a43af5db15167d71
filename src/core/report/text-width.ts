/**
 * How many terminal columns a string takes: emoji and East Asian wide characters take two,
 * combining marks and zero-width characters none. Counted per grapheme, so `⚠️` (sign plus
 * variation selector) and flags are one glyph of width 2.
 */

// Not Intl.Segmenter: creating one loads ICU's break data, about 20 ms of every action's
// cold start. The clusters a report holds (emoji with selectors, modifiers and joiners,
// flags, combining marks) follow a few rules, written out below.
const EXTEND = /^(?:\p{Mark}|\p{Emoji_Modifier}|[\u{E0020}-\u{E007F}])$/u;
const REGIONAL = /^\p{Regional_Indicator}$/u;
const ZWJ = '\u200d';

const ZERO_WIDTH = /^(?:\p{Mark}|\p{Default_Ignorable_Code_Point}|\p{Control})+$/u;
const EMOJI = /\p{Extended_Pictographic}\uFE0F|\p{Emoji_Presentation}|\p{Regional_Indicator}{2}/u;

function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0x303e) ||
    (codePoint >= 0x3041 && codePoint <= 0x33ff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xa000 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}

function graphemeWidth(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI.test(grapheme)) return 2;
  return isWide(grapheme.codePointAt(0) ?? 0) ? 2 : 1;
}

/** Extended grapheme clusters, close enough for column widths (see the rules above). */
function graphemes(text: string): string[] {
  const out: string[] = [];
  let joinNext = false;
  for (const char of text) {
    const last = out[out.length - 1];
    const pairsFlag = last !== undefined && REGIONAL.test(char) && REGIONAL.test(last);
    if (last !== undefined && (joinNext || char === ZWJ || EXTEND.test(char) || pairsFlag)) {
      out[out.length - 1] = last + char;
      joinNext = char === ZWJ;
      continue;
    }
    joinNext = false;
    out.push(char);
  }
  return out;
}

export function displayWidth(text: string): number {
  // Fast path: printable ASCII is one column per character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const grapheme of graphemes(text)) width += graphemeWidth(grapheme);
  return width;
}

/** Cut to at most `width` columns, ending in `…` when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const grapheme of graphemes(text)) {
    const next = graphemeWidth(grapheme);
    if (used + next > width - 1) break;
    out += grapheme;
    used += next;
  }
  return out + '…';
}
