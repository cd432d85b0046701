export * from './projector';
export * from './record-decoder';
export * from './rebuild';
