export { runLangchainScenario, PASTED_AWS_KEY_ID } from './scenario.js';
export type { LangchainScenarioOptions, LangchainScenarioResult, StepReport } from './scenario.js';
