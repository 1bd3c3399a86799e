export * from './auth.ts';
export * from './charges.ts';
export * from './contracts.ts';
export * from './errors.ts';
export * from './routes.ts';
