/**
 * How many times an operation selects a root field, through aliases, inline fragments and named
 * fragments (`a1: login(...) a2: login(...) ...F`). Identity refuses an operation with more than one
 * `login`, and the gateway a batch with more than one, so one request cannot carry hundreds of
 * password guesses that all run before any throttle sees the first result.
 */
import { Kind, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export function rootFieldCount(
  operation: Pick<OperationDefinitionNode, 'selectionSet'>,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  fieldName: string,
): number {
  const count = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += s.name.value === fieldName ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        // A fragment spread cycle is a validation error; `seen` keeps an unvalidated one finite.
        const fragment = Object.prototype.hasOwnProperty.call(fragments, s.name.value) ? fragments[s.name.value] : undefined;
        if (fragment) n += count(fragment.selectionSet, new Set([...seen, s.name.value]));
      }
    }
    return n;
  };
  return count(operation.selectionSet, new Set());
}
