import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * Imported for its effect: zod's English messages for `zod/mini` schemas (the tree-shakable
 * build the Lambda bundles use; it carries no messages of its own). Every module that
 * validates input imports this first.
 */
z.config(en());
