import type { Guard, ToolNeedsSpec } from '@agent-lease/core';
import type { z } from 'zod';

/** A tool as the demo defines it once; each framework driver wraps it in its own tool shape. */
export interface DemoTool {
  name: string;
  description: string;
  schema: z.ZodObject;
  needs: ToolNeedsSpec<Record<string, string>>;
  run(input: Record<string, string>): unknown;
}

export interface ScriptedCall {
  toolName: string;
  input: Record<string, unknown>;
}

/** One model turn: tool calls, or a final text built from the last tool output the model was shown. */
export type Turn = { tools: ScriptedCall[] } | { text: (lastToolOutput: string) => string };

export interface AskResult {
  text: string;
  /** What the model was shown for each tool call: the result, or `error: <message>`. */
  toolOutputs: string[];
}

/** Runs one user request through a framework's agent loop, behind the guard. */
export interface FrameworkDriver {
  readonly name: 'ai-sdk' | 'langchain';
  /** Whether the guard should emit its own `execute_tool` spans (the AI SDK emits them itself). */
  readonly guardToolSpans: boolean;
  ask(prompt: string, turns: Turn[]): Promise<AskResult>;
  /** Everything the model (scripted or real) received, after redaction. */
  prompts(): unknown[];
  /** Everything the agent returned to the app. */
  outputs(): unknown[];
}

export interface DriverOptions {
  guard: Guard;
  tools: DemoTool[];
  /** A real model for the framework, or undefined for the scripted one. */
  model?: unknown;
}
