export { SlsEmulator } from './server.js';
export type { EmulatorOptions, EmulatorStats, Fault, FaultKind, Row } from './server.js';
