// Runs the LangChain scenario: offline with a scripted model, or with OpenAI when OPENAI_API_KEY is set.
import { ChatOpenAI } from '@langchain/openai';
import { runLangchainScenario } from './scenario.js';

const apiKey = process.env.OPENAI_API_KEY;
const result = await runLangchainScenario(
  apiKey
    ? {
        model: new ChatOpenAI({ model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini', apiKey }),
        providerSecrets: { openai: apiKey },
      }
    : {},
);
console.log(`LangChain agent behind agent-lease (${apiKey ? 'OpenAI' : 'scripted model, offline'})\n`);
for (const s of result.steps) console.log(`${s.ok ? 'ok ' : 'FAIL'} ${s.n}. ${s.title}\n     ${s.decided}`);
console.log(`\nAnswer: ${result.answer}`);
const leaks = Object.entries(result.captured).flatMap(([channel, text]) =>
  Object.entries(result.canaries)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => `${name} in ${channel}`),
);
console.log(leaks.length === 0 ? '\nNo secret in any captured channel.' : `\nLEAKS: ${leaks.join(', ')}`);
process.exitCode = result.steps.every((s) => s.ok) && leaks.length === 0 ? 0 : 1;
