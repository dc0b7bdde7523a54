/** The repository generation header (api-contract §3.6): read from clients, sent on sync and attachment answers. */
export const GENERATION_HEADER = 'x-repository-generation';
