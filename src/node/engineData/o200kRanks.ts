// dist/engineData-o200k.js: the o200k rank table, bundled ONCE and required by every bundle that
// tokenizes (esbuild.mjs, `sharedEngineData`). One file per table and one for the prices, so a
// bundle loads only what it uses (the `sessions` CLI needs prices, not ranks).
export { default as data } from 'gpt-tokenizer/bpeRanks/o200k_base';
