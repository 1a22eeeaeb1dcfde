// The data every engine bundle needs, bundled ONCE (dist/engineData.js): the tokenizer rank tables
// and the price dataset. The token worker, the engine worker and the CLI require this file instead
// of carrying their own copies (esbuild.mjs, `sharedEngineData`): about 4 MB per copy.
export { default as o200kRanks } from 'gpt-tokenizer/bpeRanks/o200k_base';
export { default as cl100kRanks } from 'gpt-tokenizer/bpeRanks/cl100k_base';
export * as genaiPrices from '@pydantic/genai-prices';
