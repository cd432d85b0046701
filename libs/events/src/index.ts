export * from './types';
export * from './errors';
export * from './uuidv7';
export * from './schema-registry';
export * from './ndjson';
export * from './event-factory';
