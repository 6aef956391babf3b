// Every legacy API the server speaks, each at its documented base path.
import { aideer } from './apis/aideer.js';
import { imagegen } from './apis/imagegen.js';
import { mymoodai } from './apis/mymoodai.js';
import { openai } from './apis/openai.js';
import { parrot } from './apis/parrot.js';
import { playground } from './apis/playground.js';
import type { Api } from './core.js';

export const LEGACY_APIS: Api[] = [parrot, mymoodai, aideer, imagegen, playground];

/** Every REST API served: the legacy ones and the OpenAI-compatible one at /v1. */
export const REST_APIS: Api[] = [...LEGACY_APIS, openai];
