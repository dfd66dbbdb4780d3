export * from './audit';
export { GENESIS_HASH } from './chain';
export type { ChainProblem, ChainVerification } from './chain';
export * from './audit.module';
