/**
 * Cuts Markdown to at most `maxLength` characters (UTF-16 code units, which never
 * undercount what forges count) and appends `notice`. The cut falls on a line
 * boundary when one is near, and code fences and `<details>` blocks left open by
 * the cut are closed, so the rest of the comment still renders.
 */
export function truncateMarkdown(text: string, maxLength: number, notice: string): string {
  if (text.length <= maxLength) return text;
  const tail = `\n\n${notice}`;
  if (maxLength <= tail.length) return safeSlice(notice, maxLength);

  let room = maxLength - tail.length;
  // Closers depend on the cut, and the cut on the room left after closers: shrink until both fit.
  for (;;) {
    const head = cutAtLine(text, room);
    const closers = closersFor(head);
    const out = `${head}${closers}${tail}`;
    if (out.length <= maxLength) return out;
    room -= out.length - maxLength;
    if (room <= 0) return safeSlice(notice, maxLength);
  }
}

function cutAtLine(text: string, room: number): string {
  const slice = safeSlice(text, room);
  const newline = slice.lastIndexOf('\n');
  // A line boundary in the last quarter keeps whole lines; further back it would waste the budget.
  return newline >= room * 0.75 ? slice.slice(0, newline) : slice;
}

/** Never leaves half of a surrogate pair at the end. */
function safeSlice(text: string, length: number): string {
  if (length <= 0) return '';
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

function closersFor(head: string): string {
  let out = '';
  const fences = head.match(/^ {0,3}(`{3,}|~{3,})/gm) ?? [];
  if (fences.length % 2 === 1) out += `\n${fences[fences.length - 1]!.trim()}`;
  const opened = (head.match(/<details\b/gi) ?? []).length;
  const closed = (head.match(/<\/details>/gi) ?? []).length;
  for (let i = closed; i < opened; i += 1) out += '\n</details>';
  return out;
}
