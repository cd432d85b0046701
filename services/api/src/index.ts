export * from './api-dependencies';
export * from './loop-control';
export { startApiServer, DEFAULT_PORT, type ApiServer } from './api-app';
export { SCHEMA_PATH } from './graphql/graphql-options';
export * from './decisions/decision-source';
