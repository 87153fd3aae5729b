/** Merging and splitting of entity fetches (fetch-batching.ts), on the texts @apollo/gateway's planner writes. */
import { parse, print } from 'graphql';
import { entityFetchShape, mergeEntityFetches, splitMergedResponse } from './fetch-batching';

const userFetch = 'query Q__inventory__1($representations:[_Any!]!){_entities(representations:$representations){...on Product{inStock}}}';
const priceFetch = 'query Q__inventory__2($representations:[_Any!]!,$c:String){_entities(representations:$representations){...on Product{...P shippingEstimate(currency:$c)}}}fragment P on Product{upc}';

describe('entityFetchShape', () => {
  it('accepts the planner\'s entity fetches and nothing else', () => {
    expect(entityFetchShape(userFetch)).not.toBeNull();
    expect(entityFetchShape(priceFetch)).not.toBeNull();
    expect(entityFetchShape('query Q__products__0{topProducts{upc}}')).toBeNull();
    expect(entityFetchShape('mutation M($representations:[_Any!]!){_entities(representations:$representations){__typename}}')).toBeNull();
    expect(entityFetchShape('query Q($representations:[_Any!]!){e:_entities(representations:$representations){__typename}}')).toBeNull();
    expect(entityFetchShape('not graphql {')).toBeNull();
  });
});

describe('mergeEntityFetches', () => {
  it('selects each fetch under its own alias with its own representations variable', () => {
    const merged = mergeEntityFetches([userFetch, priceFetch])!;
    expect(merged.operationName).toBe('Q__inventory__1');
    expect(print(parse(merged.text))).toBe(print(parse(`query Q__inventory__1($representations_0:[_Any!]!,$representations_1:[_Any!]!,$c:String){
      _e0:_entities(representations:$representations_0){...on Product{inStock}}
      _e1:_entities(representations:$representations_1){...on Product{...P shippingEstimate(currency:$c)}}
    } fragment P on Product{upc}`)));
  });

  it('refuses fetches whose fragments or variables of one name differ', () => {
    const otherP = 'query Q__inventory__3($representations:[_Any!]!){_entities(representations:$representations){...on Product{...P}}}fragment P on Product{name}';
    expect(mergeEntityFetches([priceFetch, otherP])).toBeNull();
    const otherC = 'query Q__inventory__4($representations:[_Any!]!,$c:Int){_entities(representations:$representations){...on Product{inStock}}}';
    expect(mergeEntityFetches([priceFetch, otherC])).toBeNull();
    const clash = 'query Q__inventory__5($representations:[_Any!]!,$representations_0:Int){_entities(representations:$representations){...on Product{inStock}}}';
    expect(mergeEntityFetches([userFetch, clash])).toBeNull();
  });
});

describe('splitMergedResponse', () => {
  it('gives each fetch its own list and the errors under its alias, paths rewritten', () => {
    const parts = splitMergedResponse({
      data: { _e0: [{ inStock: true }], _e1: [null, { upc: 'p2' }] },
      errors: [{ message: 'no', path: ['_e1', 0, 'shippingEstimate'], extensions: { code: 'FORBIDDEN' } }],
    }, 2)!;
    expect(parts[0]).toEqual({ data: { _entities: [{ inStock: true }] } });
    expect(parts[1]).toEqual({ data: { _entities: [null, { upc: 'p2' }] }, errors: [{ message: 'no', path: ['_entities', 0, 'shippingEstimate'], extensions: { code: 'FORBIDDEN' } }] });
  });

  it('gives up (the fetches are then sent one by one) on anything it cannot attribute', () => {
    expect(splitMergedResponse({ data: null, errors: [{ message: 'x' }] }, 2)).toBeNull();
    expect(splitMergedResponse({ data: { _e0: [], _e1: [] }, errors: [{ message: 'x' }] }, 2)).toBeNull();
    expect(splitMergedResponse({ data: { _e0: [], _e1: [] }, errors: [{ message: 'x', path: ['other'] }] }, 2)).toBeNull();
    expect(splitMergedResponse({ data: { _e0: [], _e1: [] }, errors: [{ message: 'x', path: ['_e7', 0] }] }, 2)).toBeNull();
  });
});
