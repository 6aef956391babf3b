/**
 * Whether a parsed JSON value nests objects and arrays more than `max` levels deep. Checked
 * without recursion: JSON.parse reads any depth, but JSON.stringify, Prisma and the database
 * recurse, and overflow the stack on a value a client can send in a few hundred kilobytes.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
