// Every legacy API the server speaks, each at its documented base path.
import { playground } from './apis/playground.js';
import type { Api } from './core.js';

export const LEGACY_APIS: Api[] = [playground];
