/** The parts of taskres the CLI uses, in one place. */
export * from '../index.js';
export { getTaskDefinition as getTaskDefinitionForCli } from '../definition/task.js';
