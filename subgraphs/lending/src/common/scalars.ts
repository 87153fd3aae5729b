import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** Decimal travels as a string (never a float); its format is checked by the services (userErrors). */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string') throw new GraphQLError('Decimal values are strings, e.g. "1500.00"');
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal values are strings, e.g. "1500.00"');
    return ast.value;
  },
});

/** Date is YYYY-MM-DD text; calendar validity is checked by the services (userErrors). */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string') throw new GraphQLError('Dates are strings YYYY-MM-DD');
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Dates are strings YYYY-MM-DD');
    return ast.value;
  },
});
