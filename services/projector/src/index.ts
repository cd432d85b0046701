export * from './projector';
export * from './projected-writes';
export * from './record-decoder';
export * from './rebuild';
