import matter from 'gray-matter';

// Blank lines are paragraph breaks, not text: they would count twice for every paragraph added.
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

const parts = (source: string) => {
  try {
    const { data, content } = matter(source);
    return { data: data as Record<string, unknown>, body: lines(content) };
  } catch {
    // Only valid sources are saved; a revision from before a topic was retired still diffs.
    return { data: {}, body: lines(source) };
  }
};

/** Lines of `a` not matched by a line of `b`, counting repeats (a multiset difference). */
function unmatched(a: readonly string[], b: readonly string[]) {
  const left = new Map<string, number>();
  for (const line of b) left.set(line, (left.get(line) ?? 0) + 1);
  let count = 0;
  for (const line of a) {
    const n = left.get(line) ?? 0;
    if (n > 0) left.set(line, n - 1);
    else count++;
  }
  return count;
}

/**
 * What a save changed in the text, for the history list: the front matter fields that differ and
 * the body's lines added and removed ("title, topics; body +3 −1 lines"); empty when the text is
 * the same. Lines are matched as a multiset, not aligned: a moved line counts as neither, which is
 * close enough for a person deciding which revision to open.
 */
export function describeSourceChange(before: string, after: string): string {
  if (before === after) return '';
  const a = parts(before);
  const b = parts(after);
  const keys = [...new Set([...Object.keys(a.data), ...Object.keys(b.data)])];
  const fields = keys.filter((k) => JSON.stringify(a.data[k]) !== JSON.stringify(b.data[k]));
  const added = unmatched(b.body, a.body);
  const removed = unmatched(a.body, b.body);
  const said = [
    ...(fields.length > 0 ? [fields.join(', ')] : []),
    ...(added || removed ? [`body +${added} −${removed} lines`] : []),
  ];
  return said.join('; ') || 'whitespace';
}
