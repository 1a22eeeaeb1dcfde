// dist/engineData-cl100k.js: the cl100k rank table, bundled once (see o200kRanks.ts).
export { default as data } from 'gpt-tokenizer/bpeRanks/cl100k_base';
