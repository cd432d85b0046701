export * from './projector';
export * from './projected-writes';
export * from './caught-up';
export * from './record-decoder';
export * from './rebuild';
