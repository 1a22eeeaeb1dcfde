// dist/engineData-prices.js: the price dataset, bundled once (see o200kRanks.ts).
export * as data from '@pydantic/genai-prices';
