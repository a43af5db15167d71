import type { Cell, Status } from '../model.js';
import { STATUS_ICON } from '../model.js';

/**
 * What a cell says, as plain text, before any surface escapes it. Builders pass numbers
 * already formatted as strings; a raw number is a fallback and gets `formatNumber`.
 */
export interface CellText {
  text: string;
  code: boolean;
  strong: boolean;
  status?: Status;
  align?: 'left' | 'right';
}

const EMPTY_CELL = '—';

export function cellText(cell: Cell): CellText {
  if (cell === null) return { text: EMPTY_CELL, code: false, strong: false };
  if (typeof cell === 'string') return { text: cell, code: false, strong: false };
  if (typeof cell === 'number')
    return { text: formatNumber(cell), code: false, strong: false, align: 'right' };
  if ('status' in cell) {
    return { text: cell.label ?? cell.status, code: false, strong: false, status: cell.status };
  }
  const out: CellText = { text: cell.text, code: cell.code === true, strong: cell.strong === true };
  if (cell.align !== undefined) out.align = cell.align;
  return out;
}

export function statusIcon(status: Status): string {
  return STATUS_ICON[status];
}

/**
 * A number for people: at most 6 significant digits, so binary noise such as
 * 0.30000000000000004 shows as 0.3; integers below 10^15 as written; very large or very
 * small magnitudes in exponent form.
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '0';
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e15) return String(value);
  if (magnitude !== 0 && (magnitude >= 1e15 || magnitude < 1e-6)) {
    return value.toExponential(5).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(6)));
}

/**
 * A finite number in plain decimal notation (no exponent), for syntaxes that cannot read
 * `1e-7` (Mermaid). Precise to 12 significant digits.
 */
export function plainDecimal(value: number): string {
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  const magnitude = Math.abs(rounded);
  if (magnitude < 1) {
    const digits = Math.min(100, 12 - Math.floor(Math.log10(magnitude)));
    return rounded.toFixed(digits).replace(/\.?0+$/, '');
  }
  return BigInt(Math.round(rounded)).toString();
}
