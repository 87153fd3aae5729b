import { chainHolds, entryHash, GENESIS, type TrailContent } from './chain';

const chain = (n: number) => {
  const out: Array<TrailContent & { prevHash: string; hash: string }> = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const content: TrailContent = { requestId: 'r1', seq, action: `A${seq}`, signerId: null, ip: '203.0.113.9', userAgent: null, data: { n: seq, nested: { b: 1, a: 2 } }, at: `2026-12-07T10:00:0${seq}.000Z` };
    const hash = entryHash(prev, content);
    out.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return out;
};

describe('trail hash chain', () => {
  test('an untouched chain holds; the empty chain holds', () => {
    expect(chainHolds(chain(5))).toBe(true);
    expect(chainHolds([])).toBe(true);
  });

  test('a changed, removed or reordered entry breaks it', () => {
    const changed = chain(5);
    changed[2] = { ...changed[2]!, ip: '198.51.100.1' };
    expect(chainHolds(changed)).toBe(false);
    const removed = chain(5);
    removed.splice(1, 1);
    expect(chainHolds(removed)).toBe(false);
    const swapped = chain(5);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(chainHolds(swapped)).toBe(false);
    const rehashedAlone = chain(5);
    const { prevHash: _p, hash: _h, ...content } = { ...rehashedAlone[2]!, action: 'FORGED' };
    rehashedAlone[2] = { ...content, prevHash: rehashedAlone[2]!.prevHash, hash: entryHash(rehashedAlone[2]!.prevHash, content) };
    expect(chainHolds(rehashedAlone)).toBe(false);
  });
});
