import type { LanguageModelMiddleware } from 'ai';

/*
 * The V4 model types, derived from `ai`'s own middleware type so that the published declarations only need the
 * `ai` peer (its `@ai-sdk/provider` dependency is not necessarily resolvable from an app).
 */
type TransformParams = NonNullable<LanguageModelMiddleware['transformParams']>;
type WrapGenerate = NonNullable<LanguageModelMiddleware['wrapGenerate']>;
type WrapStream = NonNullable<LanguageModelMiddleware['wrapStream']>;

export type CallOptions = Parameters<TransformParams>[0]['params'];
export type Prompt = CallOptions['prompt'];
export type Message = Prompt[number];
export type GenerateResult = Awaited<ReturnType<WrapGenerate>>;
export type Content = GenerateResult['content'][number];
export type StreamResult = Awaited<ReturnType<WrapStream>>;
export type StreamPart = StreamResult['stream'] extends ReadableStream<infer P> ? P : never;
