import { ANONYMOUS_OPERATION, MAX_OPERATION_NAME_LENGTH, OperationLabels, OTHER_OPERATION } from './metrics';

describe('operation-name label of subgraph metrics', () => {
  test('a well-formed operation name is its own label, and no name is "anonymous"', () => {
    const labels = new OperationLabels(10);
    expect(labels.label('TenantByHost')).toBe('TenantByHost');
    expect(labels.label('_private_2')).toBe('_private_2');
    expect(labels.label(null)).toBe(ANONYMOUS_OPERATION);
    expect(labels.label(undefined)).toBe(ANONYMOUS_OPERATION);
    expect(labels.label('')).toBe(ANONYMOUS_OPERATION);
  });

  test('names that are not GraphQL names, or longer than 64 characters, are counted as "other"', () => {
    const labels = new OperationLabels(10);
    for (const name of ['with space', '1startsWithDigit', 'dash-ed', 'ünïcode', 'a\nb', 'x'.repeat(MAX_OPERATION_NAME_LENGTH + 1)]) {
      expect(labels.label(name)).toBe(OTHER_OPERATION);
    }
    expect(labels.label('x'.repeat(MAX_OPERATION_NAME_LENGTH))).toBe('x'.repeat(MAX_OPERATION_NAME_LENGTH));
    expect(labels.size()).toBe(1);
  });

  test('after the cap of distinct names, new names become "other" while names already seen keep their label', () => {
    const labels = new OperationLabels(3);
    expect(['A', 'B', 'C'].map((n) => labels.label(n))).toEqual(['A', 'B', 'C']);
    const flood = Array.from({ length: 1000 }, (_, i) => labels.label(`Minted${i}`));
    expect(new Set(flood)).toEqual(new Set([OTHER_OPERATION]));
    expect(labels.label('B')).toBe('B');
    expect(labels.size()).toBe(3);
  });
});
