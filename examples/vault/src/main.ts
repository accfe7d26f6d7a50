import { runExample } from './run-example.js';

await runExample();
