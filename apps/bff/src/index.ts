export { type AppDeps, buildApp } from './app.ts';
export { type AppConfig, loadConfig, type PlanConfig } from './config.ts';
export * from './errors.ts';
