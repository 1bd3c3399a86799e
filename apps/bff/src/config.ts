// The configuration resolver lives in ./config/ (schema, sources, keys, plans, resolve); this keeps the
// `../config.ts` imports of the rest of the BFF stable.
export * from './config/index.ts';
