/**
 * For non-null relations (an execution's flow and version): the row exists by foreign key, so a
 * miss is a bug, reported as such instead of a null the schema forbids.
 */
export async function loaded<T>(value: Promise<T | null>, what: string): Promise<T> {
  const v = await value;
  if (v === null) throw new Error(`${what} not found although a foreign key points at it`);
  return v;
}
